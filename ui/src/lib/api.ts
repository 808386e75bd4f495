// Typed wrappers around the app's IPC commands. The shapes come from Rust
// (src/lib/bindings/, generated; CI fails when they drift).
import { Channel, invoke } from "@tauri-apps/api/core";
import type { DocInfo } from "./bindings/DocInfo";
import type { LocalMeeting } from "./bindings/LocalMeeting";
import type { MeetingSummary } from "./bindings/MeetingSummary";
import type { OpenedDocument } from "./bindings/OpenedDocument";
import type { CoverShape } from "./bindings/CoverShape";
import type { PageLink } from "./bindings/PageLink";
import type { PageText } from "./bindings/PageText";
import type { Priority } from "./bindings/Priority";
import type { SearchHit } from "./bindings/SearchHit";
import type { PdfSearchHit } from "./bindings/PdfSearchHit";
import type { Session } from "./bindings/Session";
import type { SyncProgress } from "./bindings/SyncProgress";
import type { SyncReport } from "./bindings/SyncReport";
import type { UiError } from "./bindings/UiError";
import type { AnnotationDraft } from "./bindings/AnnotationDraft";
import type { ExportReport } from "./bindings/ExportReport";
import type { LocalAnnotation } from "./bindings/LocalAnnotation";
import type { MarkHit } from "./bindings/MarkHit";
import { PixelChannel, type RenderArgs } from "./pixels";

export type { AnnotationDraft, ExportReport, LocalAnnotation, MarkHit };
export type { DocInfo, LocalMeeting, MeetingSummary, OpenedDocument, PageLink, PageText, PdfSearchHit, SearchHit, Session, SyncProgress, SyncReport, UiError };

/** Every command rejects with a `{code, message}` UiError; the UI branches on `code`. */
export function isUiError(e: unknown): e is UiError {
  return typeof e === "object" && e !== null && "code" in e && "message" in e;
}

export function errorOf(e: unknown): UiError {
  return isUiError(e) ? e : { code: "internal", message: String(e) };
}

const renderViaIpc = (a: RenderArgs) => invoke<ArrayBuffer>("render_page", a);
const pixels = new PixelChannel(
  () => invoke<string | null>("pixel_socket"),
  (url) => new WebSocket(url),
  renderViaIpc,
);
pixels.prepare();

export const api = {
  session: () => invoke<Session>("session"),
  login: (serverUrl: string, username: string, password: string, oldPassword: string | null = null) =>
    invoke<Session>("login", { serverUrl, username, password, oldPassword }),
  logout: () => invoke<void>("logout"),
  unlock: (password: string) => invoke<Session>("unlock", { password }),
  lock: () => invoke<void>("lock"),
  setPin: (pin: string) => invoke<Session>("set_pin", { pin }),
  unlockPin: (pin: string) => invoke<Session>("unlock_pin", { pin }),
  sync: (onProgress: (p: SyncProgress) => void) => {
    const progress = new Channel<SyncProgress>();
    progress.onmessage = onProgress;
    return invoke<SyncReport>("sync", { progress });
  },
  meetings: () => invoke<MeetingSummary[]>("meetings"),
  meeting: (id: string) => invoke<LocalMeeting>("meeting", { id }),
  /** Remembers the documents as they are now: later additions and versions show as new. */
  meetingOpened: (id: string) => invoke<void>("meeting_opened", { id }),
  openDocument: (documentId: string, password: string | null) =>
    invoke<OpenedDocument>("open_document", { documentId, password }),
  closeDocument: (handle: number) => invoke<void>("close_document", { handle }),
  /** Opens a document ahead of the reader's click (see `AppCore::warm_document`). */
  warmDocument: (documentId: string) => invoke<CoverShape | null>("warm_document", { documentId }),
  /** Draws the warmed document's cover as the viewer will ask for it (see `AppCore::prepare_cover`). */
  prepareCover: (documentId: string, width: number, rows: [number, number] | null) =>
    invoke<void>("prepare_cover", { documentId, width, rows }),
  /** Raw page pixels ending in [u32 width][u32 height], little-endian, after the RGBA
   *  (see pixels.ts). `rows`: only the pixel rows `[top, count]` of the page (the part
   *  on screen, first). */
  renderPage: (handle: number, page: number, width: number, priority: Priority, view: number, generation: number, rows?: [number, number]) =>
    pixels.render({ handle, page, width, priority, view, generation, rows: rows ?? null }),
  pageText: (handle: number, page: number) => invoke<PageText>("page_text", { handle, page }),
  pageLinks: (handle: number, page: number) => invoke<PageLink[]>("page_links", { handle, page }),
  findInDocument: (handle: number, query: string) => invoke<PdfSearchHit[]>("find_in_document", { handle, query }),
  search: (query: string, meetingId: string | null) => invoke<SearchHit[]>("search", { query, meetingId }),
  searchMarks: (query: string, meetingId: string | null) => invoke<MarkHit[]>("search_marks", { query, meetingId }),
  preference: (key: string) => invoke<string | null>("preference", { key }),
  setPreference: (key: string, value: string) => invoke<void>("set_preference", { key, value }),
  documentAnnotations: (documentId: string) => invoke<LocalAnnotation[]>("document_annotations", { documentId }),
  meetingAnnotations: (meetingId: string) => invoke<LocalAnnotation[]>("meeting_annotations", { meetingId }),
  saveAnnotation: (draft: AnnotationDraft) => invoke<LocalAnnotation>("save_annotation", { draft }),
  markText: (draft: AnnotationDraft, handle: number, start: number, end: number) =>
    invoke<LocalAnnotation>("mark_text", { draft, handle, start, end }),
  exportDocument: (documentId: string, flatten: boolean) => invoke<ExportReport>("export_document", { documentId, flatten }),
};
