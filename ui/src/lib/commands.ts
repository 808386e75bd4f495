// Generated from the app's `#[tauri::command]` functions by src-tauri/tests/commands.rs.
// Do not edit: run `UPDATE_BINDINGS=1 cargo test -p phonghop-desktop --test commands`.
// Every call rejects with a `UiError` ({code, message}).
import { Channel, invoke } from "@tauri-apps/api/core";
import type { AgendaItem } from "./bindings/AgendaItem";
import type { AgendaItemInput } from "./bindings/AgendaItemInput";
import type { AnnotationDraft } from "./bindings/AnnotationDraft";
import type { Attendance } from "./bindings/Attendance";
import type { AttendanceStatus } from "./bindings/AttendanceStatus";
import type { AuditEntry } from "./bindings/AuditEntry";
import type { Conversion } from "./bindings/Conversion";
import type { CopyMeetingRequest } from "./bindings/CopyMeetingRequest";
import type { CoverShape } from "./bindings/CoverShape";
import type { DeletionChoice } from "./bindings/DeletionChoice";
import type { Document } from "./bindings/Document";
import type { DocumentPatch } from "./bindings/DocumentPatch";
import type { DocumentVersion } from "./bindings/DocumentVersion";
import type { ExportReport } from "./bindings/ExportReport";
import type { HotFolderStatus } from "./bindings/HotFolderStatus";
import type { LiveEvent } from "./bindings/LiveEvent";
import type { LiveState } from "./bindings/LiveState";
import type { LocalAnnotation } from "./bindings/LocalAnnotation";
import type { LocalMeeting } from "./bindings/LocalMeeting";
import type { MarkHit } from "./bindings/MarkHit";
import type { Meeting } from "./bindings/Meeting";
import type { MeetingInput } from "./bindings/MeetingInput";
import type { MeetingSummary } from "./bindings/MeetingSummary";
import type { NoteSent } from "./bindings/NoteSent";
import type { OpenedDocument } from "./bindings/OpenedDocument";
import type { Opinion } from "./bindings/Opinion";
import type { OpinionState } from "./bindings/OpinionState";
import type { PageLink } from "./bindings/PageLink";
import type { PageText } from "./bindings/PageText";
import type { ParticipantDevices } from "./bindings/ParticipantDevices";
import type { ParticipantRole } from "./bindings/ParticipantRole";
import type { PdfSearchHit } from "./bindings/PdfSearchHit";
import type { PrepareView } from "./bindings/PrepareView";
import type { Priority } from "./bindings/Priority";
import type { RoomView } from "./bindings/RoomView";
import type { SearchHit } from "./bindings/SearchHit";
import type { Session } from "./bindings/Session";
import type { Speaker } from "./bindings/Speaker";
import type { SyncProgress } from "./bindings/SyncProgress";
import type { SyncReport } from "./bindings/SyncReport";
import type { TasksView } from "./bindings/TasksView";
import type { Uploaded } from "./bindings/Uploaded";
import type { User } from "./bindings/User";
import type { Vote } from "./bindings/Vote";
import type { VoteInput } from "./bindings/VoteInput";

export { Channel };

export const closeDocument = (handle: number) =>
  invoke<void>("close_document", { handle });

export const documentAnnotations = (documentId: string) =>
  invoke<LocalAnnotation[]>("document_annotations", { documentId });

export const exportDocument = (documentId: string, flatten: boolean) =>
  invoke<ExportReport>("export_document", { documentId, flatten });

export const findInDocument = (handle: number, query: string) =>
  invoke<PdfSearchHit[]>("find_in_document", { handle, query });

export const hotFolderLink = (meeting: string, dir: string, poll: boolean) =>
  invoke<HotFolderStatus>("hot_folder_link", { meeting, dir, poll });

export const hotFolderSettle = (meeting: string, paths: string[] | null, choice: DeletionChoice) =>
  invoke<HotFolderStatus>("hot_folder_settle", { meeting, paths, choice });

export const hotFolderStatus = (meeting: string) =>
  invoke<HotFolderStatus>("hot_folder_status", { meeting });

export const hotFolderStop = (meeting: string) =>
  invoke<HotFolderStatus>("hot_folder_stop", { meeting });

export const lock = () =>
  invoke<void>("lock");

export const login = (serverUrl: string, username: string, password: string, oldPassword: string | null) =>
  invoke<Session>("login", { serverUrl, username, password, oldPassword });

export const logout = () =>
  invoke<void>("logout");

export const markText = (draft: AnnotationDraft, handle: number, start: number, end: number) =>
  invoke<LocalAnnotation>("mark_text", { draft, handle, start, end });

export const meeting = (id: string) =>
  invoke<LocalMeeting>("meeting", { id });

export const meetingAnnotations = (meetingId: string) =>
  invoke<LocalAnnotation[]>("meeting_annotations", { meetingId });

export const meetingOpened = (id: string) =>
  invoke<void>("meeting_opened", { id });

export const meetings = () =>
  invoke<MeetingSummary[]>("meetings");

export const openDocument = (documentId: string, password: string | null) =>
  invoke<OpenedDocument>("open_document", { documentId, password });

export const opinions = (meeting: string) =>
  invoke<Opinion[]>("opinions", { meeting });

export const pageLinks = (handle: number, page: number) =>
  invoke<PageLink[]>("page_links", { handle, page });

export const pageText = (handle: number, page: number) =>
  invoke<PageText>("page_text", { handle, page });

/** Where the viewer fetches page pixels (`ws://127.0.0.1:PORT/TOKEN`); none: use `render_page`. */
export const pixelSocket = () =>
  invoke<string | null>("pixel_socket");

export const preference = (key: string) =>
  invoke<string | null>("preference", { key });

export const prepareAddItem = (meeting: string, input: AgendaItemInput) =>
  invoke<AgendaItem>("prepare_add_item", { meeting, input });

export const prepareAudit = (meeting: string) =>
  invoke<AuditEntry[]>("prepare_audit", { meeting });

export const prepareCopy = (meeting: string, request: CopyMeetingRequest) =>
  invoke<Meeting>("prepare_copy", { meeting, request });

export const prepareCover = (documentId: string, width: number, rows: [number, number] | null) =>
  invoke<void>("prepare_cover", { documentId, width, rows });

export const prepareCreate = (input: MeetingInput) =>
  invoke<Meeting>("prepare_create", { input });

export const prepareDeleteDocument = (document: string) =>
  invoke<void>("prepare_delete_document", { document });

export const prepareDeleteItem = (item: string) =>
  invoke<void>("prepare_delete_item", { item });

export const prepareDevices = (meeting: string) =>
  invoke<ParticipantDevices[]>("prepare_devices", { meeting });

export const prepareDirectory = (query: string) =>
  invoke<User[]>("prepare_directory", { query });

export const prepareMeetings = () =>
  invoke<Meeting[]>("prepare_meetings");

export const prepareParticipant = (meeting: string, user: string, role: ParticipantRole | null) =>
  invoke<void>("prepare_participant", { meeting, user, role });

export const prepareReorder = (meeting: string, items: string[]) =>
  invoke<AgendaItem[]>("prepare_reorder", { meeting, items });

export const prepareReorderDocuments = (meeting: string, item: string | null, documents: string[]) =>
  invoke<Document[]>("prepare_reorder_documents", { meeting, item, documents });

export const prepareSaveOriginal = (document: string, version: number) =>
  invoke<string>("prepare_save_original", { document, version });

export const prepareStatus = (meeting: string, action: string, reason: string | null) =>
  invoke<Meeting>("prepare_status", { meeting, action, reason });

export const prepareUpdate = (meeting: string, input: MeetingInput) =>
  invoke<Meeting>("prepare_update", { meeting, input });

export const prepareUpdateDocument = (document: string, patch: DocumentPatch) =>
  invoke<Document>("prepare_update_document", { document, patch });

export const prepareUpdateItem = (item: string, input: AgendaItemInput) =>
  invoke<AgendaItem>("prepare_update_item", { item, input });

export const prepareUpload = (meeting: string, path: string, item: string | null, replace: string | null, progress: Channel<Conversion>) =>
  invoke<Uploaded>("prepare_upload", { meeting, path, item, replace, progress });

/** A picked file's bytes as the raw request body; meeting, item, the document it replaces and the file name (percent-encoded) in headers. */
export const prepareUploadBytes = (body: Uint8Array, headers: Record<string, string>) =>
  invoke<Uploaded>("prepare_upload_bytes", body, { headers });

export const prepareVersions = (document: string) =>
  invoke<DocumentVersion[]>("prepare_versions", { document });

export const prepareView = (meeting: string) =>
  invoke<PrepareView>("prepare_view", { meeting });

/** Raw `[RGBA…][u32 width][u32 height]` bytes: arrives in JS as an ArrayBuffer, no encoding. With `rows` (top, count), only those pixel rows of the page. */
export const renderPage = (handle: number, page: number, width: number, priority: Priority, view: number, generation: number, rows: [number, number] | null) =>
  invoke<ArrayBuffer>("render_page", { handle, page, width, priority, view, generation, rows });

/** A progress note on a task, or the report that it is done: sent now, or kept for the next sync. */
export const reportTask = (task: string, text: string, done: boolean) =>
  invoke<NoteSent>("report_task", { task, text, done });

export const room = (meeting: string) =>
  invoke<RoomView>("room", { meeting });

export const roomAttend = (meeting: string, userIds: string[], status: AttendanceStatus, reason: string) =>
  invoke<Attendance[]>("room_attend", { meeting, userIds, status, reason });

export const roomCast = (vote: string, choice: number) =>
  invoke<Vote>("room_cast", { vote, choice });

export const roomCheckin = (meeting: string, online: boolean) =>
  invoke<Attendance[]>("room_checkin", { meeting, online });

export const roomCloseVote = (vote: string) =>
  invoke<Vote>("room_close_vote", { vote });

export const roomEndFloor = (meeting: string) =>
  invoke<void>("room_end_floor", { meeting });

export const roomGiveFloor = (meeting: string, speaker: string | null) =>
  invoke<Speaker>("room_give_floor", { meeting, speaker });

/** Runs until `room_live_stop`: the live channel's events stream through `events`. */
export const roomLive = (events: Channel<LiveEvent>) =>
  invoke<void>("room_live", { events });

export const roomLiveStop = () =>
  invoke<void>("room_live_stop");

export const roomOpenVote = (item: string, input: VoteInput) =>
  invoke<Vote>("room_open_vote", { item, input });

export const roomPresent = (meeting: string, document: string, page: number) =>
  invoke<LiveState>("room_present", { meeting, document, page });

export const roomSetItem = (meeting: string, item: string | null) =>
  invoke<LiveState>("room_set_item", { meeting, item });

export const roomSetQuorum = (meeting: string, percent: number) =>
  invoke<LiveState>("room_set_quorum", { meeting, percent });

export const roomSpeak = (meeting: string, pointOfOrder: boolean) =>
  invoke<Speaker>("room_speak", { meeting, pointOfOrder });

export const roomStopPresenting = (meeting: string) =>
  invoke<LiveState>("room_stop_presenting", { meeting });

export const roomWithdraw = (speaker: string) =>
  invoke<Speaker>("room_withdraw", { speaker });

export const saveAnnotation = (draft: AnnotationDraft) =>
  invoke<LocalAnnotation>("save_annotation", { draft });

export const search = (query: string, meetingId: string | null) =>
  invoke<SearchHit[]>("search", { query, meetingId });

export const searchMarks = (query: string, meetingId: string | null) =>
  invoke<MarkHit[]>("search_marks", { query, meetingId });

export const session = () =>
  invoke<Session>("session");

export const setOpinionHandled = (annotation: string, handled: boolean) =>
  invoke<OpinionState>("set_opinion_handled", { annotation, handled });

export const setPin = (pin: string) =>
  invoke<Session>("set_pin", { pin });

export const setPreference = (key: string, value: string) =>
  invoke<void>("set_preference", { key, value });

export const sync = (progress: Channel<SyncProgress>) =>
  invoke<SyncReport>("sync", { progress });

/** The tasks the user follows and the figures, from this device (offline too). */
export const tasksView = (from: string | null, to: string | null) =>
  invoke<TasksView>("tasks_view", { from, to });

export const unlock = (password: string) =>
  invoke<Session>("unlock", { password });

export const unlockPin = (pin: string) =>
  invoke<Session>("unlock_pin", { pin });

export const warmDocument = (documentId: string) =>
  invoke<CoverShape | null>("warm_document", { documentId });
