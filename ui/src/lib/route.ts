export type Route =
  | { name: "meetings" }
  | { name: "meeting"; id: string }
  | { name: "search"; meetingId: string | null }
  | { name: "prepare" }
  | { name: "prepareMeeting"; id: string }
  | { name: "viewer"; meetingId: string; documentId: string; title: string; page: number; query: string; mark?: string };
