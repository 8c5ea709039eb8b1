use super::*;

/// A page whose "HTTP request" section lists paths in three blocks, the last two without
/// annotation and one under a subheading; one GET example.
pub(crate) const LISTING_PAGE: &str = r#"# Get message

## HTTP request
<!-- { "blockType": "ignored" } -->
A message of the signed-in user or of another.
```http
GET /me/messages/{id}
GET /users/{id | userPrincipalName}/messages/{id}
```
### In a mail folder
```http
GET /me/mailFolders/{id}/messages/{id}
GET /v1/users/{id}/mailFolders/{id}/messages/{id}
```
Other answers and other methods.
```
GET /me/messages/{id}/attachments
GET /me/messages/{id}/$value
GET /workbook/messages/{id}
DELETE /me/messages/{id}
```
## Example
<!-- { "blockType": "request", "name": "get_message" } -->
```http
GET https://graph.microsoft.com/v1.0/me/messages/AAMkADAwATM=
```
<!-- { "blockType": "response", "@odata.type": "microsoft.graph.message" } -->
```http
HTTP/1.1 200 OK
Content-type: application/json

{"subject": "Hi"}
```
"#;

pub(crate) fn office() -> Models {
    Models::from_models(vec![crate::api::fixtures::office_model()])
}

fn context(models: &Models) -> Context<'_> {
    Context {
        schemas: &[],
        models,
        version: "v1.0".to_string(),
    }
}

#[test]
fn every_listed_path_of_the_examples_answer_becomes_a_case() {
    let page = page::parse(std::path::Path::new("p.md"), LISTING_PAGE.to_string());
    let models = office();
    let (cases, _) = derive(&page, &context(&models));
    let paths: Vec<&str> = cases.iter().map(|c| c.path.as_str()).collect();
    assert_eq!(
        paths,
        vec![
            "/v1.0/me/messages/{message-id}",
            "/v1.0/users/{user-id}/messages/{message-id}",
            "/v1.0/me/mailFolders/{mailFolder-id}/messages/{message-id}",
            "/v1.0/users/{user-id}/mailFolders/{mailFolder-id}/messages/{message-id}",
        ],
        "the paths of the second and third blocks too; `v1` read as v1.0"
    );
    assert!(
        cases[3].notes.iter().any(|n| n.contains("`v1`")),
        "{:?}",
        cases[3].notes
    );
}

#[test]
fn a_listed_path_without_a_case_says_why() {
    let page = page::parse(std::path::Path::new("p.md"), LISTING_PAGE.to_string());
    let models = office();
    let fates: Vec<(&str, Fate)> = listed_fates(&page, &context(&models))
        .into_iter()
        .map(|(listed, fate, _)| (listed.url, fate))
        .filter(|(_, fate)| *fate != Fate::Case)
        .collect();
    assert_eq!(
        fates,
        vec![
            (
                "/me/messages/{id}/attachments",
                Fate::OtherResource {
                    listed: ("microsoft.graph.attachment".into(), true),
                    example: ("microsoft.graph.message".into(), false),
                }
            ),
            (
                "/me/messages/{id}/$value",
                Fate::OtherAnswer {
                    listed: Some("$value".into()),
                    example: None
                }
            ),
            ("/workbook/messages/{id}", Fate::Unplaced),
            ("/me/messages/{id}", Fate::NoExample),
        ]
    );
}

#[test]
fn each_example_holds_on_every_listed_path() {
    let second = LISTING_PAGE.replace("get_message", "get_message_again");
    let page = page::parse(
        std::path::Path::new("p.md"),
        format!(
            "{LISTING_PAGE}{}",
            &second[second.find("## Example").unwrap()..]
        ),
    );
    let models = office();
    let (cases, _) = derive(&page, &context(&models));
    let names: Vec<&str> = cases.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        cases.len(),
        8,
        "two examples on their own path and three listed ones: {names:?}"
    );
    let paths = |name: &str| cases.iter().filter(|c| c.name.starts_with(name)).count();
    assert_eq!(paths("get_message_again"), 4, "{names:?}");
}

#[test]
fn a_listed_path_asking_for_another_answer_is_not_the_examples() {
    assert_eq!(
        system_segment("/beta/me/messages/{id}/attachments/{a}/$value"),
        Some("$value")
    );
    assert_eq!(
        system_segment("/beta/users/$count?$filter=x"),
        Some("$count")
    );
    assert_eq!(
        system_segment("/beta/me/messages/{id}/attachments/{a}"),
        None
    );
}

#[test]
fn maps_odata_types_to_schemas() {
    let schemas = vec!["conversationThread".to_string(), "post".to_string()];
    assert_eq!(
        schema_for("microsoft.graph.conversationthread", &schemas),
        Some(("conversationThread".into(), false))
    );
    assert_eq!(
        schema_for("#microsoft.graph.conversationThread", &schemas),
        Some(("conversationThread".into(), false))
    );
    assert_eq!(
        schema_for("Collection(microsoft.graph.post)", &schemas),
        Some(("post".into(), true))
    );
    assert_eq!(schema_for("microsoft.graph.widget", &schemas), None);
}
