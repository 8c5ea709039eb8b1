//! The API model: Graph's URL space as the metadata describes it (entity sets, singletons,
//! navigation with containment and bindings, keys, bound operations, capability restrictions),
//! kept per API version beside the schemas, and typing: a path template to its typed segments
//! and the operation a method makes of it. Pure but for the model file (`file.rs`); it uses
//! nothing above `schema/`.

pub mod derived;
pub mod file;
pub mod model;
pub mod operations;
pub mod path;
pub mod typed;
pub mod typing;

/// The placeholder a key of entity type `ty` is named by, as Graph's docs name them:
/// `microsoft.graph.conversationThread` → `conversationThread-id`.
pub fn key_placeholder(ty: &str) -> String {
    format!("{}-id", ty.rsplit('.').next().unwrap_or(ty))
}

#[cfg(test)]
pub(crate) mod fixtures {
    /// The model of `tests/fixtures/csdl/office.csdl`, for the tests of the stages that type
    /// paths.
    pub(crate) fn office_model() -> super::model::ApiModel {
        let text = include_str!("../../tests/fixtures/csdl/office.csdl");
        let path = std::path::Path::new("office.csdl");
        let csdl = crate::schema::csdl::parse(path, text).unwrap();
        super::model::ApiModel::from_csdl(&csdl, "v1.0", "office.csdl").unwrap()
    }
}
