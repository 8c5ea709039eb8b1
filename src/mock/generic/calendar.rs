//! A calendar view (`calendarView`, and its `delta`): the owner's events that fall in the
//! window `startDateTime`/`endDateTime` names — both required, as Graph requires them.

use axum::http::StatusCode;
use serde_json::{Map, Value};

use crate::mock::answer::{GraphError, error};
use crate::mock::generic::zones;

/// The instants a calendar view spans, in seconds since 1970: from `start`, before `end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    start: i64,
    end: i64,
}

impl Window {
    /// The window of a request's query (parameter names without regard to case).
    pub fn read(query: Option<&str>) -> Result<Window, GraphError> {
        let pairs = url::form_urlencoded::parse(query.unwrap_or_default().as_bytes());
        let (mut start, mut end) = (None, None);
        for (name, value) in pairs {
            if name.eq_ignore_ascii_case("startDateTime") {
                start = Some(value.into_owned());
            } else if name.eq_ignore_ascii_case("endDateTime") {
                end = Some(value.into_owned());
            }
        }
        let instant = |name: &str, value: Option<String>| {
            let value = value.ok_or_else(|| {
                error(
                    StatusCode::BAD_REQUEST,
                    "ErrorInvalidParameter",
                    &format!("This request requires a time window specified by the query string parameters StartDateTime and EndDateTime; {name} is missing."),
                )
            })?;
            zones::instant(&value).ok_or_else(|| {
                error(
                    StatusCode::BAD_REQUEST,
                    "ErrorInvalidParameter",
                    &format!(
                        "The value '{value}' of parameter '{name}' is not a valid date and time."
                    ),
                )
            })
        };
        Ok(Window {
            start: instant("StartDateTime", start)?,
            end: instant("EndDateTime", end)?,
        })
    }

    /// Whether `event` overlaps the window. An event without its times is kept: the view
    /// cannot place it, and hiding it would hide what was created.
    pub fn holds(&self, event: &Map<String, Value>) -> bool {
        let at = |name: &str| -> Option<i64> {
            let time = event.get(name)?.as_object()?;
            let date_time = time.get("dateTime")?.as_str()?;
            let zone = time
                .get("timeZone")
                .and_then(Value::as_str)
                .unwrap_or("UTC");
            zones::instant_in(date_time, zones::named(zone)?)
        };
        match (at("start"), at("end")) {
            (Some(start), Some(end)) => start < self.end && end > self.start,
            (Some(start), None) => (self.start..self.end).contains(&start),
            _ => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(start: &str, end: &str, zone: &str) -> Map<String, Value> {
        json!({"start": {"dateTime": start, "timeZone": zone}, "end": {"dateTime": end, "timeZone": zone}})
            .as_object()
            .cloned()
            .unwrap()
    }

    #[test]
    fn a_view_holds_the_events_that_overlap_its_window() {
        let window = Window::read(Some(
            "startdatetime=2026-12-07T00:00:00.000Z&EndDateTime=2026-12-08T00:00:00Z",
        ))
        .ok()
        .unwrap();
        assert!(window.holds(&event("2026-12-07T09:00:00", "2026-12-07T10:00:00", "UTC")));
        // 20:00 in Los Angeles on the 7th is 04:00 UTC on the 8th: outside.
        let late = event(
            "2026-12-07T20:00:00",
            "2026-12-07T21:00:00",
            "Pacific Standard Time",
        );
        assert!(!window.holds(&late));
        assert!(window.holds(&event("2026-12-06T23:00:00", "2026-12-07T01:00:00", "UTC")));
        assert!(
            window.holds(&Map::new()),
            "an event without times is not hidden"
        );
    }

    #[test]
    fn a_window_needs_both_ends() {
        for query in [
            "startDateTime=2026-12-07T00:00:00Z",
            "",
            "startDateTime=x&endDateTime=y",
        ] {
            let Err(refused) = Window::read(Some(query)) else {
                panic!("{query} was taken");
            };
            let status = axum::response::IntoResponse::into_response(refused).status();
            assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        }
    }
}
