//! The OpenAPI 3.1 document of the API, made from the operation table the router is built
//! from ([`crate::api_table`]) and the JSON Schemas of the wire types (derived with schemars).

use crate::api_table::{Answer, Body, Caller, Op};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use plansift_types::ErrorCode;
use plansift_types::api::{JobView, OpenApiProfile, ProjectView};
use plansift_types::result::ResultV1;
use schemars::generate::SchemaSettings;
use serde_json::{Map, Value, json};

/// The schemas of the wire types, keyed by name, with references into `#/components/schemas`.
fn schemas() -> Map<String, Value> {
    let mut settings = SchemaSettings::draft2020_12();
    settings.definitions_path = "/components/schemas".into();
    let mut generator = settings.into_generator();
    generator.subschema_for::<ProjectView>();
    generator.subschema_for::<JobView>();
    generator.subschema_for::<ResultV1>();
    generator.subschema_for::<OpenApiProfile>();
    let mut out = generator.take_definitions(true);
    let codes: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
    out.insert(
        "Error".into(),
        json!({
            "type": "object", "required": ["error"],
            "properties": { "error": {
                "type": "object", "required": ["code", "message", "requestId"],
                "properties": {
                    "code": { "type": "string", "enum": codes },
                    "message": { "type": "string" },
                    "requestId": { "type": "string" },
                    "details": { "type": "object" },
                },
            }},
        }),
    );
    out
}

fn reference(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn operation(o: &Op) -> Value {
    let mut params: Vec<Value> = o
        .path
        .split('/')
        .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } }))
        .collect();
    if o.method == "get" && matches!(o.answer, Answer::Bytes) && !o.path.contains("{token}") {
        params.push(json!({ "name": "path", "in": "query", "required": true, "schema": { "type": "string" } }));
    }
    if o.path == "/results/{job_id}" {
        params.push(json!({ "name": "token", "in": "query", "required": true, "schema": { "type": "string" } }));
    }
    let query = match o.path {
        p if p.ends_with("/pages/{page}/image") => Some(vec!["width"]),
        p if o.method == "get" => crate::routes::project_reads::query_parameters(p),
        _ => None,
    };
    for name in query.into_iter().flatten() {
        let schema = match name {
            "limit" | "pageNumber" | "pageStart" | "pageEnd" | "width" => {
                json!({ "type": "integer" })
            }
            "compact" | "current" => json!({ "type": "boolean" }),
            _ => json!({ "type": "string" }),
        };
        params.push(json!({ "name": name, "in": "query", "required": false, "schema": schema }));
    }
    let (status, content) = match o.answer {
        Answer::Wrapped(s, field, name) => (
            s,
            json!({ "application/json": { "schema": {
            "type": "object", "properties": { field: reference(name) } } } }),
        ),
        Answer::ListOf(s, field, name) => (
            s,
            json!({ "application/json": { "schema": {
            "type": "object", "properties": { field: { "type": "array", "items": reference(name) } } } } }),
        ),
        Answer::Schema(s, name) => (
            s,
            json!({ "application/json": { "schema": reference(name) } }),
        ),
        Answer::Object(s) => (
            s,
            json!({ "application/json": { "schema": { "type": "object" } } }),
        ),
        Answer::Page(media) => (200, json!({ media: { "schema": { "type": "string" } } })),
        Answer::Bytes => (
            200,
            json!({ "application/octet-stream": { "schema": { "type": "string", "contentEncoding": "binary" } } }),
        ),
    };
    let mut op = json!({
        "operationId": format!("{}{}", o.method, o.path.replace(['/', '{', '}', '-', '.'], "_")),
        "summary": o.summary,
        "parameters": params,
        "responses": {
            status.to_string(): { "description": "Success", "content": content },
            "default": { "description": "An error (API.md §1)", "content": {
                "application/json": { "schema": reference("Error") } } },
        },
    });
    op["security"] = match o.caller {
        Caller::Key(scope) => json!([{ "apiKey": [scope] }]),
        Caller::Admin => json!([{ "adminToken": [] }]),
        Caller::Anyone => json!([]),
    };
    let body = match o.body {
        Body::None => None,
        Body::Json(fields) => {
            let required: Vec<&str> = fields.iter().filter_map(|f| f.strip_suffix('!')).collect();
            let properties: Map<String, Value> = fields
                .iter()
                .map(|f| (f.trim_end_matches('!').to_string(), json!({})))
                .collect();
            Some(json!({ "application/json": { "schema": {
                "type": "object", "required": required, "properties": properties } } }))
        }
        Body::Multipart => Some(json!({ "multipart/form-data": { "schema": {
            "type": "object", "required": ["metadata"],
            "properties": { "metadata": { "type": "string" } } } } })),
        Body::Bytes => Some(json!({ "application/octet-stream": { "schema": {
            "type": "string", "contentEncoding": "binary" } } })),
    };
    if let Some(content) = body {
        op["requestBody"] = json!({ "required": true, "content": content });
    }
    op
}

/// The whole document.
pub fn document() -> Value {
    let mut paths = Map::new();
    for (prefix, ops) in crate::api_table::all() {
        for o in &ops {
            let entry = paths
                .entry(format!("{prefix}{}", o.path))
                .or_insert_with(|| json!({}));
            entry[o.method] = operation(o);
        }
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Plansift API (Plangrep Open API v1)",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Construction documents in, citable sheets and specification sections out.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas(),
            "securitySchemes": {
                "apiKey": { "type": "http", "scheme": "bearer", "description": "pgk_live_… API key" },
                "adminToken": { "type": "http", "scheme": "bearer", "description": "The server's admin token" },
            },
        },
    })
}

pub async fn serve(State(_): State<AppState>) -> Json<Value> {
    Json(document())
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_route_of_the_router_comes_from_the_operation_table() {
        // The router adds no route of its own: what it serves is what the document lists.
        let router_source = include_str!("lib.rs");
        assert!(
            !router_source.contains(".route("),
            "lib.rs adds a route outside api_table"
        );
        let doc = super::document();
        let count: usize = doc["paths"]
            .as_object()
            .unwrap()
            .values()
            .map(|p| p.as_object().unwrap().len())
            .sum();
        let ops: usize = crate::api_table::all()
            .iter()
            .map(|(_, ops)| ops.len())
            .sum();
        assert_eq!(count, ops);
    }

    #[test]
    fn read_routes_list_their_query_parameters() {
        let doc = super::document();
        let names = |path: &str| -> Vec<String> {
            doc["paths"][path]["get"]["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|p| p["in"] == "query")
                .map(|p| p["name"].as_str().unwrap().to_string())
                .collect()
        };
        let sheets = names("/api/open/v1/projects/{project_id}/sheets");
        for name in [
            "limit",
            "cursor",
            "compact",
            "sheetNumber",
            "current",
            "fileId",
        ] {
            assert!(sheets.iter().any(|n| n == name), "{name} in {sheets:?}");
        }
        assert!(names("/api/open/v1/projects/{project_id}/references").contains(&"status".into()));
        assert_eq!(
            names("/api/open/v1/projects/{project_id}/files/{file_id}/pages/{page}/image"),
            ["width"]
        );
        let one = names("/api/open/v1/projects/{project_id}/sheets/{id}");
        assert!(!one.contains(&"cursor".to_string()), "{one:?}");
    }
}
