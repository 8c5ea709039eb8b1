//! The name a type goes by in the schemas folder, however the metadata or a page writes it:
//! `#microsoft.graph.post`, `Collection(microsoft.graph.post)`, `callRecords.session`; and
//! which names are primitives, not schemas.

/// The type an `@odata.type` names, as a schema file stem would: `#microsoft.graph.post`
/// and `Collection(microsoft.graph.post)` are `post`, `microsoft.graph.callRecords.session` is
/// `callRecords.session`.
pub fn type_name(odata_type: &str) -> &str {
    let name = odata_type.trim().trim_start_matches('#');
    let name = name
        .strip_prefix("Collection(")
        .and_then(|n| n.strip_suffix(')'))
        .unwrap_or(name);
    name.get(..16)
        .filter(|p| p.eq_ignore_ascii_case("microsoft.graph."))
        .map_or(name, |_| &name[16..])
}

/// `@odata.type` to a schema name of `schemas` (matched without regard to case): the name and
/// whether it is a collection.
pub fn schema_for(odata_type: &str, schemas: &[String]) -> Option<(String, bool)> {
    let collection = odata_type
        .trim()
        .trim_start_matches('#')
        .starts_with("Collection(");
    let name = type_name(odata_type);
    schemas
        .iter()
        .find(|s| s.eq_ignore_ascii_case(name))
        .map(|s| (s.clone(), collection))
}

/// A primitive `@odata.type` (`string`, `Edm.Int32`, `Collection(Edm.String)`, `stream`):
/// a value no schema file describes.
pub fn is_primitive(odata_type: &str) -> bool {
    let name = type_name(odata_type);
    let name = name.strip_prefix("Edm.").unwrap_or(name);
    [
        "string",
        "boolean",
        "int16",
        "int32",
        "int64",
        "byte",
        "sbyte",
        "single",
        "double",
        "decimal",
        "datetimeoffset",
        "date",
        "timeofday",
        "duration",
        "guid",
        "binary",
        "stream",
    ]
    .iter()
    .any(|primitive| primitive.eq_ignore_ascii_case(name))
}
