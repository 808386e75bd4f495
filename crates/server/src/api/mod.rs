//! HTTP handlers under `/api/v1`, and the OpenAPI document generated from them.
//!
//! Routes are registered through `utoipa_axum::routes!`, which takes the path and
//! method from each handler's `#[utoipa::path]`: the served router and the OpenAPI
//! document come from the same declaration and cannot disagree. A test compares the
//! document with the committed `crates/server/openapi.json` so API changes show in review.

mod account;
mod admin;
pub(crate) mod annotations;
mod blobs;
mod changes;
mod conclusions;
pub(crate) mod documents;
mod leases;
mod live;
pub(crate) mod meetings;
mod minutes;
mod opens;
mod room;
pub(crate) mod tasks;

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
        (name = "admin", description = "Every device session: list, revoke (a revoked device erases itself)"),
        (name = "meetings", description = "Meetings, agenda, participants"),
        (name = "documents", description = "Documents and their versions"),
        (name = "sync", description = "Change feed and blobs"),
        (name = "annotations", description = "Leaders' marks and notes: the idempotent push"),
        (name = "room", description = "The meeting in session: current item, attendance, speakers, votes, presenter"),
        (name = "minutes", description = "Minutes (biên bản) and the conclusion notice (thông báo kết luận): drafted from the record, edited, approved or issued, as PDF"),
        (name = "tasks", description = "Units, holidays, and the tasks conclusions give units, followed to their end"),
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

/// Makes the document say what the server does on every operation, not only what each
/// handler remembered to list: a JSON body can be malformed (400), too large (413) or
/// not JSON (415); query parameters can be malformed (400); a session can be missing
/// (401); an id can name nothing (404). And request bodies the server reads with
/// `deny_unknown_fields` say `additionalProperties: false`. A fuzzer reading the
/// document (`scripts/api-fuzz`) then finds no answer the document does not allow.
struct Exact;

const STRICT_BODIES: &[&str] = &[
    "MeetingInput",
    "AgendaItemInput",
    "AgendaOrder",
    "ParticipantInput",
    "DocumentPatch",
    "OpinionStateInput",
    "CancelRequest",
    "CopyMeetingRequest",
    "OpensPush",
    "DocumentOpen",
    "AttendanceInput",
    "SpeakRequest",
    "FloorInput",
    "CurrentItemInput",
    "QuorumInput",
    "PresentInput",
    "VoteInput",
    "BallotInput",
];

impl Modify for Exact {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::ParameterIn;
        use utoipa::openapi::{RefOr, Response, schema::AdditionalProperties};
        for item in openapi.paths.paths.values_mut() {
            let ops = [&mut item.get, &mut item.put, &mut item.post, &mut item.patch, &mut item.delete];
            for op in ops.into_iter().flatten() {
                let mut add = |status: &str, why: &str| {
                    op.responses.responses.entry(status.to_owned()).or_insert_with(|| {
                        let mut r = Response::new(why);
                        r.content.insert(
                            "application/json".into(),
                            utoipa::openapi::ContentBuilder::new()
                                .schema(Some(utoipa::openapi::Ref::from_schema_name("ApiError")))
                                .build(),
                        );
                        RefOr::T(r)
                    });
                };
                let json_body = op.request_body.as_ref().is_some_and(|b| b.content.contains_key("application/json"));
                let any_body = op.request_body.is_some();
                let params = op.parameters.clone().unwrap_or_default();
                if json_body {
                    add("400", "the body is not valid JSON of the expected shape");
                    add("413", "the body is larger than the server accepts");
                    add("415", "the body is not sent as application/json");
                } else if any_body {
                    add("400", "malformed request");
                    add("413", "the body is larger than the server accepts");
                }
                if params.iter().any(|p| p.parameter_in == ParameterIn::Query) {
                    add("400", "a query parameter is malformed or out of range");
                }
                if params.iter().any(|p| p.parameter_in == ParameterIn::Path) {
                    add("404", "no such resource, or one the caller may not know about");
                }
                if op.security.is_some() {
                    add("401", "no session, or an expired or revoked one");
                }
            }
        }
        if let Some(c) = openapi.components.as_mut() {
            for name in STRICT_BODIES {
                if let Some(RefOr::T(utoipa::openapi::schema::Schema::Object(o))) = c.schemas.get_mut(*name) {
                    o.additional_properties = Some(Box::new(AdditionalProperties::FreeForm(false)));
                }
            }
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
        .routes(routes!(admin::list_devices))
        .routes(routes!(admin::revoke_device))
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
        .routes(routes!(opens::meeting_opens))
        .routes(routes!(opens::push_opens))
        .routes(routes!(conclusions::draft_conclusion))
        .routes(routes!(conclusions::get_conclusion, conclusions::edit_conclusion))
        .routes(routes!(conclusions::issue_conclusion))
        .routes(routes!(conclusions::late_conclusions))
        .routes(routes!(minutes::draft_minutes))
        .routes(routes!(minutes::get_minutes, minutes::edit_minutes))
        .routes(routes!(minutes::minutes_versions))
        .routes(routes!(minutes::approve_minutes))
        .routes(routes!(minutes::minutes_pdf))
        .routes(routes!(tasks::list_units, tasks::add_unit))
        .routes(routes!(tasks::list_holidays, tasks::put_holiday))
        .routes(routes!(tasks::list_tasks, tasks::create_task))
        .routes(routes!(tasks::task_stats))
        .routes(routes!(tasks::get_task))
        .routes(routes!(tasks::report_task))
        .routes(routes!(tasks::review_task))
        .routes(routes!(tasks::extend_task))
        .routes(routes!(leases::leases))
        .routes(routes!(meetings::create_agenda_item))
        .routes(routes!(meetings::reorder_agenda))
        .routes(routes!(meetings::update_agenda_item, meetings::delete_agenda_item))
        .routes(routes!(meetings::put_participant, meetings::delete_participant))
        .routes(routes!(documents::upload_document))
        .routes(routes!(documents::reorder_documents))
        .routes(routes!(documents::get_document, documents::update_document, documents::delete_document))
        .routes(routes!(documents::replace_document))
        .routes(routes!(documents::document_versions))
        .routes(routes!(documents::download_original))
        .routes(routes!(documents::get_conversion))
        .routes(routes!(documents::meeting_conversions))
        .routes(routes!(blobs::get_blob))
        .routes(routes!(changes::get_changes))
        .routes(routes!(annotations::push))
        .routes(routes!(room::get_room))
        .routes(routes!(room::set_current_item))
        .routes(routes!(room::set_quorum))
        .routes(routes!(room::present, room::stop_presenting))
        .routes(routes!(room::set_attendance))
        .routes(routes!(room::ask_to_speak))
        .routes(routes!(room::withdraw))
        .routes(routes!(room::give_floor, room::end_floor))
        .routes(routes!(room::open_vote))
        .routes(routes!(room::get_vote))
        .routes(routes!(room::cast_ballot))
        .routes(routes!(room::close_vote))
}

/// The OpenAPI document of `/api/v1`, as served at `/api/v1/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, mut doc) = api_routes().split_for_parts();
    // After the routes are in: the document's own modifiers run before they are added.
    Exact.modify(&mut doc);
    doc.servers = Some(vec![utoipa::openapi::Server::new("/api/v1")]);
    doc
}

/// The complete HTTP application.
pub fn router(state: AppState) -> axum::Router {
    let doc = openapi();
    let (api, _) = api_routes().split_for_parts();
    // The live channel is a WebSocket, outside the OpenAPI document (see `live`).
    let api = api
        .route("/openapi.json", axum::routing::get(move || async move { axum::Json(doc) }))
        .route("/live", axum::routing::get(live::live));
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
