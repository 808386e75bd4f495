export type Route =
  | { name: "meetings" }
  | { name: "tasks" }
  | { name: "meeting"; id: string }
  | { name: "search"; meetingId: string | null }
  | { name: "prepare" }
  | { name: "prepareMeeting"; id: string }
  | { name: "viewer"; meetingId: string; documentId: string; title: string; page: number; query: string; mark?: string; fromPrepare?: boolean };

/** A document to show in the viewer from the Prepare workspace (a document, or an opinion at its place). */
export type OpenTarget = { meetingId: string; documentId: string; title: string; page: number; mark?: string };
