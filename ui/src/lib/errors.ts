// What every error code the app can receive says to the user, in Vietnamese and
// English. Typed `Record<UiCode, …>`: a code added in Rust (crates/client/src/app/codes.rs)
// without its sentences here fails the UI's type check.
import type { UiCode } from "./bindings/UiCode";

type Both = { vi: string; en: string };

export const errorMessages: Record<UiCode, Both> = {
  server_unreachable: { vi: "Không kết nối được máy chủ. Dữ liệu đã đồng bộ vẫn dùng được.", en: "The server cannot be reached. Synced data is still available." },
  connection_interrupted: { vi: "Kết nối bị ngắt giữa chừng. Hãy thử lại: phần đã tải được giữ lại.", en: "The connection was interrupted. Try again: what was downloaded is kept." },
  not_logged_in: { vi: "Máy này chưa đăng nhập.", en: "This device is not logged in." },
  session_expired: { vi: "Phiên đăng nhập đã hết hạn hoặc bị thu hồi. Hãy đăng nhập lại.", en: "The session has expired or was revoked. Log in again." },
  invalid_credentials: { vi: "Sai tên đăng nhập hoặc mật khẩu.", en: "Wrong username or password." },
  protocol_error: { vi: "Máy chủ trả lời không đúng định dạng. Hãy báo quản trị hệ thống.", en: "The server's answer could not be read. Tell the administrator." },
  hash_mismatch: { vi: "Tài liệu tải về bị sai lệch và đã bị loại bỏ; sẽ tải lại.", en: "A downloaded document did not match and was discarded; it will be fetched again." },
  sync_busy: { vi: "Đang có một lần đồng bộ khác chạy.", en: "Another sync is running." },
  not_found: { vi: "Không tìm thấy (hoặc chưa có trên máy này).", en: "Not found (or not on this device yet)." },
  unsynced_annotations: { vi: "Còn ghi chú chưa gửi lên máy chủ; hãy đồng bộ trước.", en: "Some marks have not reached the server yet; sync first." },
  invalid: { vi: "Yêu cầu không hợp lệ.", en: "The request is not valid." },
  local_database: { vi: "Cơ sở dữ liệu trên máy bị lỗi.", en: "The local database failed." },
  disk_full: { vi: "Ổ đĩa đã đầy. Hãy giải phóng dung lượng rồi thử lại; không mất dữ liệu.", en: "The disk is full. Free some space and try again; nothing was lost." },
  local_io: { vi: "Không đọc/ghi được tệp trên máy.", en: "A local file could not be read or written." },
  bad_request: { vi: "Máy chủ từ chối: dữ liệu nhập chưa đúng.", en: "The server refused: the input is not valid." },
  forbidden: { vi: "Bạn không có quyền làm việc này.", en: "You may not do this." },
  conflict: { vi: "Thao tác không phù hợp với trạng thái hiện tại (ví dụ: đã phát hành).", en: "This does not fit the current state (e.g. already published)." },
  payload_too_large: { vi: "Tệp quá lớn so với giới hạn của máy chủ.", en: "The file is larger than the server accepts." },
  unsupported_media_type: { vi: "Không phải PDF hay tệp Word, Excel, PowerPoint, OpenDocument được hỗ trợ.", en: "Not a PDF nor a supported Word, Excel, PowerPoint or OpenDocument file." },
  damaged_file: { vi: "Tệp bị hỏng, không mở được.", en: "The file is damaged and cannot be opened." },
  conversion_timeout: { vi: "Chuyển sang PDF quá lâu nên đã dừng. Hãy mở tệp, lưu lại rồi tải lên lần nữa.", en: "The conversion to PDF took too long and was stopped. Open the file, save it again and re-upload." },
  conversion_failed: { vi: "Không chuyển được tệp sang PDF.", en: "The file could not be converted to PDF." },
  converter_unavailable: { vi: "Máy chủ chưa cài bộ chuyển đổi: chỉ nhận tệp PDF.", en: "The server has no converter: only PDF files are accepted." },
  too_many_requests: { vi: "Máy chủ đang bận; hãy thử lại sau ít phút.", en: "The server is busy; try again in a minute." },
  server_error: { vi: "Máy chủ gặp lỗi. Hãy báo quản trị hệ thống.", en: "The server failed. Tell the administrator." },
  pdf_engine_missing: { vi: "Thiếu bộ hiển thị PDF (pdfium).", en: "The PDF engine (pdfium) is missing." },
  pdf_engine_load: { vi: "Không nạp được bộ hiển thị PDF.", en: "The PDF engine could not be loaded." },
  password_required: { vi: "Tài liệu này có mật khẩu. Hãy nhập mật khẩu để mở.", en: "This document is password-protected. Enter its password to open it." },
  wrong_password: { vi: "Mật khẩu không đúng.", en: "Wrong password." },
  malformed_pdf: { vi: "Tệp PDF bị hỏng, không mở được.", en: "The PDF is damaged and cannot be opened." },
  unsupported_security: { vi: "Kiểu bảo vệ của tài liệu này chưa được hỗ trợ.", en: "This document's protection is not supported." },
  page_out_of_range: { vi: "Không có trang này.", en: "No such page." },
  not_open: { vi: "Tài liệu chưa được mở.", en: "The document is not open." },
  engine_crashed: { vi: "Bộ hiển thị PDF gặp sự cố với tài liệu này.", en: "The PDF engine crashed on this document." },
  document_poisoned: { vi: "Tài liệu này liên tục làm lỗi bộ hiển thị nên không mở nữa.", en: "This document keeps crashing the PDF engine and is no longer opened." },
  cancelled: { vi: "Đã huỷ.", en: "Cancelled." },
  io: { vi: "Bộ hiển thị PDF không đọc được tệp.", en: "The PDF engine could not read the file." },
  export_unsupported: { vi: "Không xuất được tài liệu này kèm ghi chú (tài liệu có mật khẩu).", en: "This document cannot be exported with annotations (it is password-protected)." },
  engine: { vi: "Bộ hiển thị PDF gặp lỗi.", en: "The PDF engine failed." },
  internal: { vi: "Đã xảy ra lỗi không mong muốn.", en: "Something unexpected went wrong." },
};
