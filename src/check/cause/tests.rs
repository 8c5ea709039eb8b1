use super::*;
use crate::check::Failure;
use crate::exec::protocol::Attempt;
use crate::exec::transport::{Exchange, Response};

const THREAD: &str = r#"{
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "topic": {"type": "string"},
            "importance": {"enum": ["low", "normal", "high"]}
        }
    }"#;

fn schemas() -> Schemas {
    Schemas::compile(&[("thread.json".into(), THREAD.to_string())]).unwrap()
}

fn expect(status: u16) -> Expect {
    let file = std::sync::Arc::new(crate::suite::model::SourceFile {
        path: "c.toml".into(),
        text: String::new(),
    });
    Expect {
        status,
        collection: false,
        schema: Some(crate::suite::model::SchemaRef {
            name: "thread".into(),
            origin: crate::suite::model::Origin { file, span: 0..0 },
            api: None,
        }),
        required: Vec::new(),
        body: None,
        headers: Vec::new(),
    }
}

fn run(status: u16, sent: Option<&str>, answer: &str) -> CaseRun {
    CaseRun {
        attempt: Attempt::Sent(Exchange {
            method: "POST".into(),
            path: "/threads".into(),
            request_body: sent.map(str::to_string),
            result: Ok(Response::new(
                status,
                Vec::new(),
                answer.as_bytes().to_vec(),
            )),
            duration: Default::default(),
            retries: Vec::new(),
            diagnostics: Default::default(),
        }),
        warnings: Vec::new(),
        retries: Vec::new(),
        leaked: Vec::new(),
        duration: Default::default(),
        probed: None,
        settled: None,
    }
}

fn failed(failures: Vec<Failure>) -> Verdict {
    Verdict {
        outcome: Outcome::Fail,
        failures,
        diff: None,
        undocumented: Vec::new(),
    }
}

fn cause_of(method: &str, expect: &Expect, run: &CaseRun, verdict: &Verdict, own: bool) -> Cause {
    let judged = Judged {
        expect,
        method: Method::parse(method).unwrap(),
        run,
        verdict,
        own_server: own,
        page: vec![r#"{"importance": "urgent"}"#],
    };
    decide(&judged, &schemas()).unwrap().cause
}

#[test]
fn what_the_page_got_wrong_is_the_pages() {
    let status = failed(vec![Failure::new(FailureKind::Status, "expected 201")]);
    let created = expect(201);
    let empty = run(
        400,
        None,
        r#"{"error":{"code":"BadRequest","message":"Empty Payload. JSON content expected."}}"#,
    );
    let unsent = Judged {
        expect: &created,
        method: Method::Post,
        run: &empty,
        verdict: &status,
        own_server: true,
        page: vec!["POST https://graph.microsoft.com/v1.0/threads\n\n{ topic: 't' }"],
    };
    assert_eq!(
        decide(&unsent, &schemas()).unwrap().cause,
        Cause::Documentation,
        "the page's body is not JSON: it was never sent"
    );
    let mut selected = run(200, None, r#"{"topic": "t"}"#);
    if let Attempt::Sent(exchange) = &mut selected.attempt {
        exchange.path = "/threads/1?$select=topic".into();
    }
    let shown = failed(vec![Failure::at(
        FailureKind::Schema,
        "/importance",
        "required property is missing (the documented response shows it)",
    )]);
    assert_eq!(
        cause_of("GET", &expect(200), &selected, &shown, true),
        Cause::Documentation,
        "the page's answer shows what its own $select leaves out"
    );
}

#[test]
fn each_failure_names_whose_it_is() {
    let status = failed(vec![Failure::new(FailureKind::Status, "expected 201")]);
    let created = expect(201);
    let answered = run(500, Some(r#"{"topic":"t"}"#), "{}");
    assert_eq!(
        cause_of("POST", &created, &answered, &status, false),
        Cause::Service
    );
    assert_eq!(
        cause_of("POST", &created, &answered, &status, true),
        Cause::ReferenceServer,
        "against conform's own server its gap is its own"
    );
    let unknown = run(
        400,
        None,
        r#"{"error":{"code":"BadRequest","message":"Resource not found for the segment 'widgets'."}}"#,
    );
    assert_eq!(
        cause_of("GET", &expect(200), &unknown, &status, false),
        Cause::NotServed
    );
    let refused = run(
        400,
        Some(r#"{"importance":""}"#),
        r#"{"error":{"code":"BadRequest","message":"no"}}"#,
    );
    assert_eq!(
        cause_of("POST", &created, &refused, &status, false),
        Cause::Documentation,
        "an empty enum value in the page's own request"
    );
    let shows = failed(vec![Failure::at(
        FailureKind::Schema,
        "/deleted",
        "required property is missing (the documented response shows it)",
    )]);
    assert_eq!(
        cause_of("GET", &expect(200), &answered, &shows, true),
        Cause::Documentation
    );
    let echoed = failed(vec![Failure::at(
        FailureKind::Schema,
        "/importance",
        "\"urgent\" is not one of \"low\", \"normal\" or \"high\"",
    )]);
    let answer = run(200, None, r#"{"importance": "urgent"}"#);
    assert_eq!(
        cause_of("GET", &expect(200), &answer, &echoed, true),
        Cause::Documentation,
        "the page's own value, echoed back"
    );
    let known = failed(vec![Failure::at(FailureKind::Schema, "/topic", "missing")]);
    assert_eq!(
        cause_of("GET", &expect(200), &answered, &known, false),
        Cause::Service
    );
}

#[test]
fn what_the_page_itself_sends_is_the_page_s() {
    let status = failed(vec![Failure::new(FailureKind::Status, "expected 201")]);
    let refusing = run(
        400,
        Some(r#"{"importance": "urgent"}"#),
        r#"{"error":{"code":"BadRequest","message":"Requested value 'urgent' was not found in the enum type."}}"#,
    );
    assert_eq!(
        cause_of("POST", &expect(200), &refusing, &status, false),
        Cause::Documentation,
        "the page's own value, refused by name"
    );
    let dangling = run(
        404,
        Some(r#"{"@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/{id}"}"#),
        r#"{"error":{"code":"Request_ResourceNotFound","message":"no"}}"#,
    );
    let page = vec![r#"{"@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/{id}"}"#];
    let judged = Judged {
        expect: &expect(204),
        method: Method::Post,
        run: &dangling,
        verdict: &status,
        own_server: true,
        page,
    };
    assert_eq!(
        decide(&judged, &schemas()).unwrap().cause,
        Cause::Documentation,
        "a stand-in id the page sends names nothing"
    );
}

#[test]
fn a_case_not_sent_is_setup_and_a_pass_has_no_cause() {
    let mut not_sent = run(200, None, "{}");
    not_sent.attempt = Attempt::NotSent(crate::exec::not_sent::NotSent::Setup {
        step: 1,
        failed: crate::exec::not_sent::StepFailed::Status {
            request: "POST /groups".into(),
            expected: None,
            got: 400,
            summary: String::new(),
        },
    });
    let error = Verdict {
        outcome: Outcome::Error,
        ..failed(vec![Failure::new(
            FailureKind::Setup,
            "setup step 1: POST /groups: 400",
        )])
    };
    assert_eq!(
        cause_of("GET", &expect(200), &not_sent, &error, false),
        Cause::Setup
    );
    let passed = Verdict {
        outcome: Outcome::Pass,
        ..failed(Vec::new())
    };
    let judged = Judged {
        expect: &expect(200),
        method: Method::Get,
        run: &not_sent,
        verdict: &passed,
        own_server: false,
        page: Vec::new(),
    };
    assert_eq!(decide(&judged, &schemas()), None);
}
