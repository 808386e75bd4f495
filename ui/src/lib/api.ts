// The reader's services over the app's commands (commands.ts and bindings/, both
// generated from Rust; CI fails when they drift): page pixels through the pixel socket
// when there is one, sync progress as a callback.
import * as c from "./commands";
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

const renderViaIpc = (a: RenderArgs) => c.renderPage(a.handle, a.page, a.width, a.priority, a.view, a.generation, a.rows);
const pixels = new PixelChannel(
  () => c.pixelSocket(),
  (url) => new WebSocket(url),
  renderViaIpc,
);
pixels.prepare();

export const api = {
  session: c.session,
  login: (serverUrl: string, username: string, password: string, oldPassword: string | null = null) =>
    c.login(serverUrl, username, password, oldPassword),
  logout: c.logout,
  unlock: c.unlock,
  lock: c.lock,
  setPin: c.setPin,
  unlockPin: c.unlockPin,
  sync: (onProgress: (p: SyncProgress) => void) => {
    const progress = new c.Channel<SyncProgress>();
    progress.onmessage = onProgress;
    return c.sync(progress);
  },
  meetings: c.meetings,
  meeting: c.meeting,
  /** Remembers the documents as they are now: later additions and versions show as new. */
  meetingOpened: c.meetingOpened,
  openDocument: c.openDocument,
  closeDocument: c.closeDocument,
  /** Opens a document ahead of the reader's click (see `AppCore::warm_document`). */
  warmDocument: c.warmDocument,
  /** Draws the warmed document's cover as the viewer will ask for it (see `AppCore::prepare_cover`). */
  prepareCover: c.prepareCover,
  /** Raw page pixels ending in [u32 width][u32 height], little-endian, after the RGBA
   *  (see pixels.ts). `rows`: only the pixel rows `[top, count]` of the page (the part
   *  on screen, first). */
  renderPage: (handle: number, page: number, width: number, priority: Priority, view: number, generation: number, rows?: [number, number]) =>
    pixels.render({ handle, page, width, priority, view, generation, rows: rows ?? null }),
  pageText: c.pageText,
  pageLinks: c.pageLinks,
  findInDocument: c.findInDocument,
  search: c.search,
  searchMarks: c.searchMarks,
  preference: c.preference,
  setPreference: c.setPreference,
  documentAnnotations: c.documentAnnotations,
  meetingAnnotations: c.meetingAnnotations,
  saveAnnotation: c.saveAnnotation,
  markText: c.markText,
  exportDocument: c.exportDocument,
};
