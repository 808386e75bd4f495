//! HTTP handlers under `/api/v1`, and the OpenAPI document generated from them.
//!
//! Routes are registered through `utoipa_axum::routes!`, which takes the path and
//! method from each handler's `#[utoipa::path]`: the served router and the OpenAPI
//! document come from the same declaration and cannot disagree. A test compares the
//! document with the committed `crates/server/openapi.json` so API changes show in review.

mod account;
pub(crate) mod annotations;
mod blobs;
mod changes;
pub(crate) mod documents;
pub(crate) mod meetings;

use axum::extract::DefaultBodyLimit;
use axum::http::{StatusCode, Uri};
use axum::response::IntoResponse;
use meeting_protocol::{ApiError, ErrorCode};
use tower_http::trace::TraceLayer;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::{AppState, JSON_BODY_LIMIT};

#[derive(OpenApi)]
#[openapi(
    info(title = "Paperless Meeting Room — office server API", description = "Meetings, documents and the change feed for the desktop clients. Errors are always `{code, message}`."),
    modifiers(&BearerAuth),
    tags(
        (name = "account", description = "Login, sessions, users"),
        (name = "meetings", description = "Meetings, agenda, participants"),
        (name = "documents", description = "Documents and their versions"),
        (name = "sync", description = "Change feed and blobs"),
        (name = "annotations", description = "Leaders' marks and notes: the idempotent push"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(c) = openapi.components.as_mut() {
            c.add_security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
        }
    }
}

fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(account::health))
        .routes(routes!(account::login))
        .routes(routes!(account::logout))
        .routes(routes!(account::me))
        .routes(routes!(account::list_tokens))
        .routes(routes!(account::revoke_token))
        .routes(routes!(account::list_users))
        .routes(routes!(meetings::list_meetings, meetings::create_meeting))
        .routes(routes!(meetings::get_meeting, meetings::update_meeting, meetings::delete_meeting))
        .routes(routes!(meetings::publish_meeting))
        .routes(routes!(meetings::unpublish_meeting))
        .routes(routes!(meetings::cancel_meeting))
        .routes(routes!(meetings::copy_meeting))
        .routes(routes!(meetings::meeting_audit))
        .routes(routes!(meetings::meeting_opinions))
        .routes(routes!(meetings::set_opinion_state))
        .routes(routes!(meetings::meeting_devices))
        .routes(routes!(meetings::create_agenda_item))
        .routes(routes!(meetings::reorder_agenda))
        .routes(routes!(meetings::update_agenda_item, meetings::delete_agenda_item))
        .routes(routes!(meetings::put_participant, meetings::delete_participant))
        .routes(routes!(documents::upload_document))
        .routes(routes!(documents::get_document, documents::update_document, documents::delete_document))
        .routes(routes!(documents::replace_document))
        .routes(routes!(documents::document_versions))
        .routes(routes!(documents::download_original))
        .routes(routes!(documents::get_conversion))
        .routes(routes!(documents::meeting_conversions))
        .routes(routes!(blobs::get_blob))
        .routes(routes!(changes::get_changes))
        .routes(routes!(annotations::push))
}

/// The OpenAPI document of `/api/v1`, as served at `/api/v1/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, mut doc) = api_routes().split_for_parts();
    doc.servers = Some(vec![utoipa::openapi::Server::new("/api/v1")]);
    doc
}

/// The complete HTTP application.
pub fn router(state: AppState) -> axum::Router {
    let doc = openapi();
    let (api, _) = api_routes().split_for_parts();
    let api = api.route("/openapi.json", axum::routing::get(move || async move { axum::Json(doc) }));
    axum::Router::new()
        .nest(&format!("/api/{}", meeting_protocol::API_VERSION), api)
        .fallback(unknown_route)
        .method_not_allowed_fallback(wrong_method)
        .layer(DefaultBodyLimit::max(JSON_BODY_LIMIT))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

async fn unknown_route(uri: Uri) -> impl IntoResponse {
    let body = ApiError { code: ErrorCode::NotFound, message: format!("no such endpoint: {}", uri.path()) };
    (StatusCode::NOT_FOUND, axum::Json(body))
}

async fn wrong_method(uri: Uri) -> impl IntoResponse {
    let body = ApiError { code: ErrorCode::BadRequest, message: format!("method not allowed on {}", uri.path()) };
    (StatusCode::METHOD_NOT_ALLOWED, axum::Json(body))
}
