// Text of the tasks screen ("Nhiệm vụ"), Vietnamese first. `en` must have every key `vi`
// has (the type says so).
import { i18n } from "./i18n.svelte";
import type { TaskBucket } from "./bindings/TaskBucket";

const vi = {
  tasks: "Nhiệm vụ",
  asOf: "Số liệu tính đến lần đồng bộ {time}",
  neverSynced: "Chưa đồng bộ: số liệu trên máy này có thể chưa đầy đủ",
  from: "Từ ngày",
  to: "Đến ngày",
  total: "Tổng số",
  onTimeShare: "{n}/{total} hoàn thành đúng hạn, {late} trễ hạn",
  byUnit: "Theo đơn vị chủ trì",
  byMonth: "Theo tháng giao",
  unit: "Đơn vị",
  noTasks: "Không có nhiệm vụ nào trong khoảng thời gian này.",
  deadline: "Hạn",
  noDeadline: "Không thời hạn",
  showAll: "Tất cả",
  note: "Ghi chú tiến độ",
  reportDone: "Báo cáo hoàn thành",
  send: "Gửi",
  sent: "Đã gửi.",
  queued: "Đã lưu trên máy này, sẽ gửi khi đồng bộ.",
  history: "Quá trình",
  on_time: "Hoàn thành đúng hạn",
  late: "Hoàn thành quá hạn",
  in_progress: "Đang thực hiện trong hạn",
  overdue: "Đang thực hiện quá hạn",
  no_deadline: "Không có thời hạn",
};

const en: Record<keyof typeof vi, string> = {
  tasks: "Tasks",
  asOf: "Figures as of the sync at {time}",
  neverSynced: "Never synced: the figures on this device may be incomplete",
  from: "From",
  to: "To",
  total: "Total",
  onTimeShare: "{n}/{total} completed on time, {late} late",
  byUnit: "By lead unit",
  byMonth: "By month assigned",
  unit: "Unit",
  noTasks: "No tasks in this period.",
  deadline: "Due",
  noDeadline: "No deadline",
  showAll: "All",
  note: "Progress note",
  reportDone: "Report done",
  send: "Send",
  sent: "Sent.",
  queued: "Saved on this device: sent with the next sync.",
  history: "History",
  on_time: "Completed on time",
  late: "Completed late",
  in_progress: "In progress, on schedule",
  overdue: "In progress, overdue",
  no_deadline: "No deadline",
};

export type TKey = keyof typeof vi;

export function tk(key: TKey, vars: Record<string, string | number> = {}): string {
  let s = (i18n.lang === "en" ? en : vi)[key];
  for (const [k, v] of Object.entries(vars)) s = s.replace(`{${k}}`, String(v));
  return s;
}

export const BUCKETS: TaskBucket[] = ["on_time", "late", "in_progress", "overdue", "no_deadline"];

/** A day `YYYY-MM-DD` as the UI language writes it (07/12/2026 in both). */
export function day(iso: string | null): string {
  if (!iso) return "";
  const [y, m, d] = iso.split("-");
  return `${d}/${m}/${y}`;
}
