// UI text in Vietnamese (default) and English. The choice is stored in the profile.
import { api } from "./api";

export type Lang = "vi" | "en";

const vi = {
  appName: "Phòng họp không giấy",
  language: "Ngôn ngữ",
  server: "Địa chỉ máy chủ",
  username: "Tên đăng nhập",
  password: "Mật khẩu",
  login: "Đăng nhập",
  loggingIn: "Đang đăng nhập…",
  logout: "Đăng xuất",
  meetings: "Cuộc họp",
  today: "Hôm nay",
  upcoming: "Sắp tới",
  past: "Đã qua",
  noMeetings: "Chưa có cuộc họp nào trên máy. Hãy đồng bộ khi có mạng.",
  readyOffline: "Sẵn sàng ngoại tuyến",
  docsOffline: "{n}/{total} tài liệu ngoại tuyến",
  sync: "Đồng bộ",
  syncing: "Đang đồng bộ…",
  syncedAt: "Đã đồng bộ lúc {time}",
  offline: "Không kết nối được máy chủ — đang làm việc ngoại tuyến với dữ liệu đã đồng bộ.",
  back: "Quay lại",
  agenda: "Chương trình họp",
  presenter: "Trình bày",
  otherDocuments: "Tài liệu khác",
  participants: "Thành phần",
  notDownloaded: "Chưa tải về",
  pages: "{n} trang",
  confidential: "MẬT",
  page: "Trang",
  of: "/",
  fitWidth: "Vừa chiều rộng",
  fitPage: "Vừa trang",
  zoomIn: "Phóng to",
  zoomOut: "Thu nhỏ",
  outline: "Mục lục",
  thumbnails: "Trang thu nhỏ",
  find: "Tìm trong tài liệu",
  findPlaceholder: "Tìm (có thể gõ không dấu)…",
  hits: "{n} kết quả",
  noHits: "Không tìm thấy",
  searchAll: "Tìm trong mọi tài liệu",
  searchPlaceholder: "Gõ từ cần tìm, ví dụ: cai cach hanh chinh",
  thisMeetingOnly: "Chỉ trong cuộc họp này",
  enterPassword: "Tài liệu có mật khẩu. Nhập mật khẩu để mở:",
  open: "Mở",
  close: "Đóng",
  externalLink: "Liên kết ra ngoài tài liệu (không tự mở)",
  errPasswordRequired: "Tài liệu này được bảo vệ bằng mật khẩu.",
  errWrongPassword: "Mật khẩu không đúng.",
  errMalformed: "Tệp bị hỏng hoặc không phải PDF; không thể hiển thị.",
  errCrashed: "Bộ hiển thị PDF gặp sự cố với tài liệu này và đã khởi động lại.",
  errInvalidCredentials: "Sai tên đăng nhập hoặc mật khẩu.",
  errUnreachable: "Không kết nối được máy chủ. Kiểm tra địa chỉ và mạng.",
  errNotAvailable: "Tài liệu chưa có trên máy: hãy đồng bộ khi có mạng.",
};

const en: typeof vi = {
  appName: "Paperless Meeting Room",
  language: "Language",
  server: "Server address",
  username: "Username",
  password: "Password",
  login: "Log in",
  loggingIn: "Logging in…",
  logout: "Log out",
  meetings: "Meetings",
  today: "Today",
  upcoming: "Upcoming",
  past: "Past",
  noMeetings: "No meetings on this device yet. Sync when you are online.",
  readyOffline: "Ready offline",
  docsOffline: "{n}/{total} documents offline",
  sync: "Sync",
  syncing: "Syncing…",
  syncedAt: "Synced at {time}",
  offline: "Cannot reach the server — working offline with the synced data.",
  back: "Back",
  agenda: "Agenda",
  presenter: "Presenter",
  otherDocuments: "Other documents",
  participants: "Participants",
  notDownloaded: "Not downloaded",
  pages: "{n} pages",
  confidential: "CONFIDENTIAL",
  page: "Page",
  of: "/",
  fitWidth: "Fit width",
  fitPage: "Fit page",
  zoomIn: "Zoom in",
  zoomOut: "Zoom out",
  outline: "Outline",
  thumbnails: "Thumbnails",
  find: "Find in document",
  findPlaceholder: "Find (diacritics optional)…",
  hits: "{n} matches",
  noHits: "No matches",
  searchAll: "Search all documents",
  searchPlaceholder: "Words to find, e.g. cai cach hanh chinh",
  thisMeetingOnly: "This meeting only",
  enterPassword: "This document is password-protected. Enter the password to open it:",
  open: "Open",
  close: "Close",
  externalLink: "Link outside the document (not opened automatically)",
  errPasswordRequired: "This document is protected by a password.",
  errWrongPassword: "The password is not correct.",
  errMalformed: "The file is damaged or not a PDF; it cannot be shown.",
  errCrashed: "The PDF engine had a problem with this document and restarted.",
  errInvalidCredentials: "Wrong username or password.",
  errUnreachable: "Cannot reach the server. Check the address and the network.",
  errNotAvailable: "This document is not on this device yet: sync when online.",
};

export type Key = keyof typeof vi;
const dicts: Record<Lang, typeof vi> = { vi, en };

export const i18n = $state({ lang: "vi" as Lang });

export function t(key: Key, vars: Record<string, string | number> = {}): string {
  let s = dicts[i18n.lang][key];
  for (const [k, v] of Object.entries(vars)) s = s.replace(`{${k}}`, String(v));
  return s;
}

export async function loadLanguage(): Promise<void> {
  const stored = await api.preference("language").catch(() => null);
  if (stored === "vi" || stored === "en") i18n.lang = stored;
}

export async function setLanguage(lang: Lang): Promise<void> {
  i18n.lang = lang;
  document.documentElement.lang = lang;
  await api.setPreference("language", lang).catch(() => undefined);
}

/** The UI message for an error code, falling back to the engine's own sentence. */
export function errorText(code: string, message: string): string {
  const map: Record<string, Key> = {
    password_required: "errPasswordRequired",
    wrong_password: "errWrongPassword",
    malformed_pdf: "errMalformed",
    engine_crashed: "errCrashed",
    document_poisoned: "errCrashed",
    invalid_credentials: "errInvalidCredentials",
    server_unreachable: "errUnreachable",
    not_found: "errNotAvailable",
  };
  return map[code] ? t(map[code]) : message;
}

export function formatDate(iso: string): string {
  const d = new Date(iso);
  return d.toLocaleString(i18n.lang === "vi" ? "vi-VN" : "en-GB", {
    weekday: "short", day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit",
  });
}
