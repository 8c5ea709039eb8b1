//! JSON Schemas: the registry a run validates with, and schemas generated from OData CSDL.

pub mod csdl;
pub mod generate;
pub mod registry;
pub mod shape;
pub mod type_names;
