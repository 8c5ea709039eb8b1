use super::*;

fn error_of(text: &str) -> String {
    parse(Path::new("m.csdl"), text).err().unwrap().to_string()
}

const HEAD: &str = r#"<edmx:Edmx xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx"><edmx:DataServices>
<Schema Namespace="microsoft.graph" Alias="graph" xmlns="http://docs.oasis-open.org/odata/ns/edm">
"#;
const TAIL: &str = "</Schema></edmx:DataServices></edmx:Edmx>";

#[test]
fn reads_types_through_aliases() {
    let text = format!(
        r#"{HEAD}<EntityType Name="a" Abstract="true"><Property Name="b" Type="Collection(graph.b)" Nullable="false"/></EntityType>
<ComplexType Name="b"/><EntityType Name="c" BaseType="microsoft.graph.a"/>{TAIL}"#
    );
    let model = parse(Path::new("m.csdl"), &text).unwrap();
    let a = &model.types["microsoft.graph.a"];
    assert!(a.is_abstract);
    assert_eq!(
        a.properties[0],
        Property {
            name: "b".into(),
            ty: PropertyType::Named("microsoft.graph.b".into()),
            collection: true,
            nullable: false,
            navigation: false,
            contains_target: false,
        }
    );
    assert_eq!(
        model.types["microsoft.graph.c"].base.as_deref(),
        Some("microsoft.graph.a")
    );
    assert_eq!(model.descendants("microsoft.graph.a").len(), 1);
    assert_eq!(
        model
            .all_properties(&model.types["microsoft.graph.c"])
            .len(),
        1
    );
}

#[test]
fn names_the_line_and_text_of_an_unknown_type() {
    let text = format!(
        "{HEAD}<EntityType Name=\"a\">\n  <Property Name=\"b\" Type=\"graph.nope\"/>\n</EntityType>{TAIL}"
    );
    let error = error_of(&text);
    assert!(
        error.contains("property type `graph.nope` is not a type of this file"),
        "{error}"
    );
    assert!(error.contains("m.csdl:4:3"), "{error}");
    assert!(
        error.contains("<Property Name=\"b\" Type=\"graph.nope\"/>"),
        "{error}"
    );
}

#[test]
fn refuses_malformed_xml_cycles_duplicates_and_other_documents() {
    assert!(
        error_of(&format!("{HEAD}<EntityType Name=\"a\">{TAIL}")).contains("not well-formed XML")
    );
    assert!(error_of("<html><body>hello</body></html>").contains("not an OData CSDL document"));
    let cycle = format!(
        r#"{HEAD}<EntityType Name="a" BaseType="graph.b"/><EntityType Name="b" BaseType="graph.a"/>{TAIL}"#
    );
    assert!(error_of(&cycle).contains("derives from itself"));
    let twice = format!(r#"{HEAD}<ComplexType Name="a"/><ComplexType Name="a"/>{TAIL}"#);
    assert!(error_of(&twice).contains("defined twice"));
    let nameless = format!(r#"{HEAD}<ComplexType/>{TAIL}"#);
    assert!(error_of(&nameless).contains("<ComplexType> has no `Name` attribute"));
}

#[test]
fn reads_the_url_space() {
    let text = include_str!("../../../tests/fixtures/csdl/office.csdl");
    let model = parse(Path::new("office.csdl"), text).unwrap();
    let container = model.container.as_ref().unwrap();
    assert_eq!(container.name, "microsoft.graph.OfficeService");
    let groups = container.roots.iter().find(|r| r.name == "groups").unwrap();
    assert!(groups.collection);
    assert_eq!(groups.ty, "microsoft.graph.group");
    assert_eq!(groups.bindings[0].target, "directoryObjects");
    let me = container.roots.iter().find(|r| r.name == "me").unwrap();
    assert!(!me.collection);
    let threads = model.types["microsoft.graph.group"]
        .properties
        .iter()
        .find(|p| p.name == "threads")
        .unwrap();
    assert!(threads.contains_target && threads.navigation && threads.collection);
    assert_eq!(model.types["microsoft.graph.entity"].key, vec!["id"]);
    assert!(model.types["microsoft.graph.user"].open);
    let report = model
        .operations
        .iter()
        .find(|o| o.name == "getUsageReport")
        .unwrap();
    assert_eq!(report.kind, OperationElement::Function);
    assert_eq!(report.parameters[0].name, "period");
    assert_eq!(
        report.returns,
        Some((PropertyType::Named("microsoft.graph.report".into()), false))
    );
    let inserts = |target: &str| {
        model
            .restrictions
            .iter()
            .find(|r| r.target == target)
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(
        inserts("microsoft.graph.OfficeService/directoryObjects").insertable,
        Some(false)
    );
    assert_eq!(
        inserts("microsoft.graph.OfficeService/drives").deletable,
        Some(false)
    );
}

#[test]
fn refuses_bindings_and_keys_that_name_nothing() {
    let binding = format!(
        "{HEAD}<EntityType Name=\"a\"><Key><PropertyRef Name=\"id\"/></Key><Property Name=\"id\" Type=\"Edm.String\"/></EntityType>\n<EntityContainer Name=\"S\"><EntitySet Name=\"as\" EntityType=\"graph.a\">\n  <NavigationPropertyBinding Path=\"x\" Target=\"nowhere\"/></EntitySet></EntityContainer>{TAIL}"
    );
    let error = error_of(&binding);
    assert!(error.contains("points into `nowhere`"), "{error}");
    assert!(error.contains("m.csdl:5:3"), "{error}");
    let key = format!(
        "{HEAD}<EntityType Name=\"a\">\n<Key><PropertyRef Name=\"nope\"/></Key></EntityType>{TAIL}"
    );
    let error = error_of(&key);
    assert!(
        error.contains("names `nope`, which is not one of its properties"),
        "{error}"
    );
    assert!(error.contains("m.csdl:4:6"), "{error}");
    let set = format!(
        "{HEAD}<EntityContainer Name=\"S\"><EntitySet Name=\"as\" EntityType=\"graph.missing\"/></EntityContainer>{TAIL}"
    );
    assert!(error_of(&set).contains("`graph.missing` is not a type of this file"));
    let without = format!("{HEAD}<ComplexType Name=\"a\"/>{TAIL}");
    assert!(
        parse(Path::new("m.csdl"), &without)
            .unwrap()
            .container
            .is_none()
    );
}
