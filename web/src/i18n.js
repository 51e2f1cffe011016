/*
 * Every string of the dashboard's interface, in one table per language.
 * Text that comes from the log (the agreement's names, the signed entries)
 * is shown as signed and never translated here. Dates are shown in the
 * agreement's counting timezone (state.counting.timezone), formatted for
 * the chosen language; the machine-readable <time datetime> keeps the ISO
 * calendar date in that same timezone.
 */
export const STRINGS = {
  en: {
    loading: "Loading the log…",
    skip: "Skip to the content",
    aria_witnesses: "Who cosigned the checkpoint",
    aria_headline: "Where the process stands",
    ckpt_line: "{origin} · size {size} · root {root} · {w}",
    n_witnesses: "{got} of {n} witnesses",
    no_witness_short: "no witnesses",
    keys: "keys",
    key_unknown: "no key of the agreement",
    f_kind: "kind", f_author: "author", f_seq: "sequence", f_time: "time", f_occurred: "occurred",
    f_incident: "incident", f_status: "status", f_name: "name",
    lang_name: "English",
    switch_lang: "한국어",
    switch_lang_label: "Show this page in Korean",
    steps_done: "steps done",
    n_of: "{a} of {b}",
    calm_days: "days since the last confirmed provocation",
    open_now: "open now",
    overdue: "overdue",
    reversals: "reversals",
    none: "none",
    of: "of",
    counting_rule: "Counting rule: {rule}.",
    calm_last: "Last: {type} on {date} (entry {index}).",
    calm_longest: "Longest calm on record: {n} days.",
    computed: "Computed as of {date} from {n} entries; dates in {tz}.",
    asof_legend: "As of a date",
    asof_date: "Date",
    asof_live: "Latest",
    asof_now_showing: "Showing the state as of {date}: overdue and calm judged at that moment.",
    asof_latest_showing: "Showing the latest state ({date}).",
    era_import: "Imported record {from}–{to}: {n} incidents (pick a date to see it)",
    era_live: "Agreement era",
    tab_board: "Status board",
    tab_map: "Map",
    tab_chart: "Over time",
    tab_graph: "Dependencies",
    tab_timeline: "Timeline",
    tab_parties: "Parties",
    nav_label: "Views",
    witnesses_label: "Checkpoint of size {size} cosigned by:",
    w_verified: "✓ cosigned",
    "w_key-id": "✓ key id matches",
    w_missing: "✗ missing",
    w_bad: "✗ BAD signature",
    quorum_met: "met",
    quorum_not_met: "NOT MET",
    quorum: "quorum ({rule}): {v}",
    no_witnesses: "The agreement names no witnesses: nobody but the log's operator vouches for its checkpoints.",
    w_checked_none: "Checked in this browser: no cosignature line of this checkpoint carries the name and key id of a witness key the agreement names.",
    w_checked_sig: "Checked in this browser: each cosignature's Ed25519 signature over this checkpoint, against the witness keys the agreement names (C2SP tlog-cosignature v1.0.1).",
    w_checked_id: "Checked in this browser: the cosignatures' key names and key ids against the witness keys the agreement names; this browser cannot check Ed25519 signatures, so run armistice verify for that.",
    quorum_warning: "Warning: the witness quorum is not met. {got} of {n} witnesses cosigned this checkpoint (rule: {rule}); not cosigned: {missing}. Until the quorum cosigns, only the log operator's signature vouches that every party sees this same log.",
    owed_by: "owed by {who}",
    together: "together: {g}",
    overdue_since: "overdue since {date}",
    n_reversals: "{n} reversal(s)",
    n_breaches: "{n} breach(es)",
    waits_on: "waits on {who}",
    via: "via {chain}",
    strength: "verification strength {n} of 3",
    status_pending: "pending", status_open: "open", status_claimed: "claimed", status_disputed: "disputed",
    status_verified: "verified", status_held: "held", status_done: "done", status_kept: "kept",
    status_breached: "breached", status_withdrawn: "withdrawn",
    phase_done: "{done} of {total} done",
    graph_help: "Arrows run from a requirement to the commitment it unlocks; boxes group commitments that take effect together. Colour is status; a red outline is overdue. Select a node for its page.",
    graph_label: "Dependency graph of the commitments",
    together_group: "together: {g}",
    graph_alone: "{n} commitments that neither require nor unlock another",
    graph_steps: "In order of their requirements",
    tl_help: "{n} entries match, newest first. Each row quotes the signed entry; select its number for the entry's page, proof and signature check.",
    tl_search: "Search the signed text",
    tl_actor: "Author or actor",
    tl_kind: "Kind",
    tl_commitment: "Commitment",
    tl_from: "From",
    tl_to: "To",
    tl_all: "all",
    tl_entry: "entry",
    tl_date: "date",
    tl_who: "who",
    tl_what: "what the signed entry says",
    tl_prev: "Newer",
    tl_next: "Older",
    tl_page: "page {p} of {n}",
    tl_loading_text: "Loading the signed entries…",
    status_change: "{id}: {from} → {to}",
    reversal: "reversal",
    parties_cols: "actor,role,owned,done,claims,disputed,withdrawn,overdue,breaches,reversals,attestations,incidents alleged,entries",
    map_help: "{shown} of {placed} placed incidents shown ({total} in all; {unplaced} carry no position). Colour is status: red confirmed, orange not yet confirmed, grey dismissed. Select a cluster to zoom, a dot for its entry.",
    map_label: "Map of zones and incidents",
    map_from: "Incidents from",
    map_to: "to",
    map_kind: "Kind",
    legend: "Legend",
    lg_mdl: "Military Demarcation Line (the reference line)",
    lg_band: "band of {km} km either side of the MDL",
    lg_not_drawn: "not drawn: {why}",
    lg_confirmed: "incident, confirmed",
    lg_pending: "incident, not yet confirmed",
    lg_dismissed: "incident, dismissed",
    lg_base: "Base map: Natural Earth 1:10m coastlines and borders, GeoNames places; shipped in the page, nothing fetched.",
    popup_open: "Open entry {n}: text, proof and signature",
    chart_help: "Confirmed provocations per month, by kind, {from} to {to}. Shaded: calm stretches of {min} days or more between confirmed provocations. Ticks on the axis: steps of the agreement that took effect.",
    chart_label: "Confirmed provocations per month by kind",
    chart_import: "Include the imported record (by year)",
    chart_year_help: "Confirmed provocations per year, by kind, {from} to {to}.",
    calm_streaks: "Calm stretches",
    chart_table: "The counts as a table",
    chart_period: "period",
    milestones: "Milestones",
    calm_row: "{from} – {to}: {n} days",
    ms_row: "{date}: {id} {status}",
    entry_title: "Entry {n}",
    entry_signed: "The signed entry",
    entry_checks: "Checked in this browser",
    chk_sig: "Signature of {who} ({key}) over the entry",
    chk_leaf: "Leaf hash SHA-256(0x00 ‖ entry) = {h}",
    chk_proof: "Inclusion proof: entry {n} is in the tree of size {size} with root {root}",
    chk_ckpt: "That checkpoint is signed by the log key the agreement names",
    chk_same: "…and it is the checkpoint this page shows (size {size})",
    chk_cosig: "Cosigned by {n} witness(es); quorum {v}",
    chk_ok: "✓ passes",
    chk_fail: "✗ FAILS",
    chk_na: "– cannot be checked here",
    verdict_ok: "Verified: this text is entry {n} of the log, signed by its author, and in the checkpoint the witnesses cosigned.",
    verdict_unwitnessed: "In the log: this text is entry {n}, signed by its author, in the checkpoint the log signed. But the witness quorum has not cosigned that checkpoint: only the log operator vouches that every party sees this same log.",
    verdict_fail: "FAILED: what the server sent does not check out. Do not cite it; run armistice verify and report the log.",
    receipt: "The receipt (/proof/{n})",
    permalink: "Permalink",
    copy: "Copy citation",
    copied: "Copied.",
    cite_as: "Cite as",
    raw: "Raw",
    back: "Back to the dashboard",
    commitment_title: "Commitment {id}",
    actor_title: "Actor {id}",
    requires: "requires",
    required_by: "unlocks",
    due: "due",
    effective: "took effect",
    history: "Status history",
    due_history: "Deadline history",
    due_first: "due {date}",
    due_extended: "extended to {date} by entry {n}",
    due_advanced: "brought forward to {date} by entry {n}",
    due_changed: "changed to {date} by entry {n}",
    due_tz: "Deadlines are calendar days in {tz}; each change is an amendment signed by every party.",
    sc_title: "Implementation scores (Peace Accords Matrix)",
    sc_help: "Each commitment scored 0 (not initiated) to 3 (full) at the end of each calendar year, from the log (docs/rules.md \"Implementation scores\"); the same numbers as armistice export.",
    sc_none: "No year to score yet.",
    sc_chart_label: "Bar chart: share of commitments fully implemented per year, {from} to {to}; {full} in {to}. The table below gives every value.",
    sc_table_label: "Implementation per year",
    sc_year: "year", sc_provisions: "commitments", sc_full: "fully implemented",
    sc_percent_full: "% fully implemented", sc_percent_score: "% of the maximum score",
    sc_matrix: "Scores per commitment and year (0-3)",
    sc_provision: "commitment",
    sc_error: "The scores could not be loaded: {msg}",
    entries_by: "Entries signed by {id}",
    related_entries: "Entries about it",
    nojs: "",
    error_load: "Could not load the log: {msg}",
    footer: "Every number on this page is computed by replaying the signed entries of a transparency log; anyone can check it with armistice verify.",
  },
  ko: {
    loading: "로그를 불러오는 중…",
    skip: "본문으로 건너뛰기",
    aria_witnesses: "체크포인트 공동 서명자",
    aria_headline: "진행 현황",
    ckpt_line: "{origin} · 크기 {size} · 루트 {root} · {w}",
    n_witnesses: "증인 {n}명 중 {got}명",
    no_witness_short: "증인 없음",
    keys: "키",
    key_unknown: "합의문에 없는 키",
    f_kind: "종류", f_author: "작성자", f_seq: "순번", f_time: "시각", f_occurred: "발생",
    f_incident: "사건", f_status: "상태", f_name: "이름",
    lang_name: "한국어",
    switch_lang: "English",
    switch_lang_label: "이 페이지를 영어로 보기",
    steps_done: "완료된 단계",
    n_of: "{b}개 중 {a}개",
    calm_days: "마지막으로 확인된 도발 이후 일수",
    open_now: "진행 중",
    overdue: "기한 초과",
    reversals: "번복",
    none: "없음",
    of: "/",
    counting_rule: "계산 규칙: {rule}.",
    calm_last: "마지막: {date} {type} (항목 {index}).",
    calm_longest: "기록상 가장 긴 평온 기간: {n}일.",
    computed: "{date} 기준, 항목 {n}개로 계산; 날짜는 {tz} 기준.",
    asof_legend: "기준 날짜",
    asof_date: "날짜",
    asof_live: "최신",
    asof_now_showing: "{date} 기준 상태: 기한 초과와 평온 일수를 그 시점으로 판단합니다.",
    asof_latest_showing: "최신 상태 ({date}).",
    era_import: "가져온 기록 {from}–{to}: 사건 {n}건 (날짜를 골라 보기)",
    era_live: "합의 이후",
    tab_board: "현황판",
    tab_map: "지도",
    tab_chart: "시간별 추이",
    tab_graph: "선후 관계",
    tab_timeline: "연대표",
    tab_parties: "당사자",
    nav_label: "보기",
    witnesses_label: "크기 {size}의 체크포인트 공동 서명:",
    w_verified: "✓ 공동 서명함",
    "w_key-id": "✓ 키 ID 일치",
    w_missing: "✗ 없음",
    w_bad: "✗ 서명 불일치",
    quorum_met: "충족",
    quorum_not_met: "미충족",
    quorum: "정족수 ({rule}): {v}",
    no_witnesses: "합의문에 증인이 없습니다: 로그 운영자 외에는 아무도 체크포인트를 보증하지 않습니다.",
    w_checked_none: "이 브라우저에서 확인함: 이 체크포인트의 어떤 공동 서명도 합의문이 지정한 증인 키의 이름과 키 ID를 갖고 있지 않습니다.",
    w_checked_sig: "이 브라우저에서 확인함: 각 공동 서명의 Ed25519 서명을 합의문이 지정한 증인 키로 검증했습니다 (C2SP tlog-cosignature v1.0.1).",
    w_checked_id: "이 브라우저에서 확인함: 공동 서명의 키 이름과 키 ID만 확인했습니다. 이 브라우저는 Ed25519 서명을 확인할 수 없으니 armistice verify를 실행하십시오.",
    quorum_warning: "경고: 증인 정족수가 충족되지 않았습니다. 증인 {n}명 중 {got}명이 이 체크포인트에 공동 서명했습니다 (규칙: {rule}); 서명하지 않음: {missing}. 정족수가 서명하기 전까지는 로그 운영자의 서명만이 모든 당사자가 같은 로그를 본다는 것을 보증합니다.",
    owed_by: "이행 주체: {who}",
    together: "동시 이행: {g}",
    overdue_since: "{date}부터 기한 초과",
    n_reversals: "번복 {n}회",
    n_breaches: "위반 {n}회",
    waits_on: "대기: {who}",
    via: "경로: {chain}",
    strength: "검증 강도 {n}/3",
    status_pending: "대기", status_open: "진행 중", status_claimed: "이행 주장", status_disputed: "이의 제기",
    status_verified: "검증됨", status_held: "보류", status_done: "완료", status_kept: "준수",
    status_breached: "위반", status_withdrawn: "철회",
    phase_done: "{total}개 중 {done}개 완료",
    graph_help: "화살표는 선행 조건에서 그것이 여는 약속으로 향합니다. 상자는 함께 이행되는 약속을 묶습니다. 색은 상태, 빨간 테두리는 기한 초과입니다. 노드를 선택하면 해당 페이지로 갑니다.",
    graph_label: "약속들의 선후 관계 그래프",
    together_group: "동시 이행: {g}",
    graph_alone: "다른 약속과 선후 관계가 없는 약속 {n}개",
    graph_steps: "선행 조건 순서",
    tl_help: "일치하는 항목 {n}개, 최신순. 각 행은 서명된 항목을 인용합니다. 번호를 선택하면 항목, 증명, 서명 확인 페이지로 갑니다.",
    tl_search: "서명된 본문 검색",
    tl_actor: "작성자 또는 행위자",
    tl_kind: "종류",
    tl_commitment: "약속",
    tl_from: "시작",
    tl_to: "끝",
    tl_all: "전체",
    tl_entry: "항목",
    tl_date: "날짜",
    tl_who: "주체",
    tl_what: "서명된 항목의 내용",
    tl_prev: "최신",
    tl_next: "이전",
    tl_page: "{n}쪽 중 {p}쪽",
    tl_loading_text: "서명된 항목을 불러오는 중…",
    status_change: "{id}: {from} → {to}",
    reversal: "번복",
    parties_cols: "행위자,역할,담당,완료,주장,이의,철회,기한 초과,위반,번복,증명,제기된 사건,항목",
    map_help: "위치가 있는 사건 {placed}건 중 {shown}건 표시 (전체 {total}건, 위치 없음 {unplaced}건). 색은 상태: 빨강 확인됨, 주황 미확인, 회색 기각. 묶음을 선택하면 확대, 점을 선택하면 항목을 봅니다.",
    map_label: "구역과 사건 지도",
    map_from: "사건 기간",
    map_to: "~",
    map_kind: "종류",
    legend: "범례",
    lg_mdl: "군사분계선 (기준선)",
    lg_band: "군사분계선 양쪽 {km} km 띠",
    lg_not_drawn: "그리지 않음: {why}",
    lg_confirmed: "사건, 확인됨",
    lg_pending: "사건, 미확인",
    lg_dismissed: "사건, 기각됨",
    lg_base: "배경 지도: Natural Earth 1:10m 해안선과 국경, GeoNames 지명. 페이지에 포함되어 있으며 외부에서 받지 않습니다.",
    popup_open: "항목 {n} 열기: 본문, 증명, 서명",
    chart_help: "월별 확인된 도발, 종류별, {from}–{to}. 음영: 확인된 도발 사이 {min}일 이상의 평온 기간. 축의 눈금: 발효된 합의 단계.",
    chart_label: "월별 종류별 확인된 도발",
    chart_import: "가져온 기록 포함 (연도별)",
    chart_year_help: "연도별 확인된 도발, 종류별, {from}–{to}.",
    calm_streaks: "평온 기간",
    chart_table: "표로 보기",
    chart_period: "기간",
    milestones: "주요 단계",
    calm_row: "{from} – {to}: {n}일",
    ms_row: "{date}: {id} {status}",
    entry_title: "항목 {n}",
    entry_signed: "서명된 항목",
    entry_checks: "이 브라우저에서 확인",
    chk_sig: "{who}({key})의 항목 서명",
    chk_leaf: "잎 해시 SHA-256(0x00 ‖ 항목) = {h}",
    chk_proof: "포함 증명: 항목 {n}은 크기 {size}, 루트 {root}인 트리에 있음",
    chk_ckpt: "그 체크포인트는 합의문이 지정한 로그 키로 서명됨",
    chk_same: "…그리고 이 페이지가 보여주는 체크포인트임 (크기 {size})",
    chk_cosig: "증인 {n}명 공동 서명; 정족수 {v}",
    chk_ok: "✓ 통과",
    chk_fail: "✗ 실패",
    chk_na: "– 여기서 확인할 수 없음",
    verdict_ok: "검증됨: 이 본문은 로그의 항목 {n}이며, 작성자가 서명했고, 증인들이 공동 서명한 체크포인트에 포함되어 있습니다.",
    verdict_unwitnessed: "로그에 있음: 이 본문은 항목 {n}이며 작성자가 서명했고 로그가 서명한 체크포인트에 포함되어 있습니다. 그러나 증인 정족수가 그 체크포인트에 공동 서명하지 않았으므로, 모든 당사자가 같은 로그를 본다는 것은 로그 운영자만 보증합니다.",
    verdict_fail: "실패: 서버가 보낸 내용이 검증되지 않습니다. 인용하지 말고 armistice verify를 실행해 로그를 신고하십시오.",
    receipt: "영수증 (/proof/{n})",
    permalink: "고유 링크",
    copy: "인용 복사",
    copied: "복사했습니다.",
    cite_as: "인용 형식",
    raw: "원문",
    back: "현황판으로",
    commitment_title: "약속 {id}",
    actor_title: "행위자 {id}",
    requires: "선행 조건",
    required_by: "이후 약속",
    due: "기한",
    effective: "발효",
    history: "상태 이력",
    due_history: "기한 이력",
    due_first: "기한 {date}",
    due_extended: "항목 {n}에 의해 {date}(으)로 연장",
    due_advanced: "항목 {n}에 의해 {date}(으)로 앞당김",
    due_changed: "항목 {n}에 의해 {date}(으)로 변경",
    due_tz: "기한은 {tz} 기준 날짜이며, 모든 변경은 모든 당사자가 서명한 개정입니다.",
    sc_title: "이행 점수 (평화협정 매트릭스)",
    sc_help: "각 약속을 매년 말 기준으로 0(미착수)부터 3(완전 이행)까지 로그에서 계산한 점수입니다 (docs/rules.md). armistice export와 같은 숫자입니다.",
    sc_none: "아직 점수를 매길 해가 없습니다.",
    sc_chart_label: "막대 그래프: 연도별 완전 이행된 약속의 비율, {from}년부터 {to}년까지; {to}년 {full}. 아래 표에 모든 값이 있습니다.",
    sc_table_label: "연도별 이행",
    sc_year: "연도", sc_provisions: "약속", sc_full: "완전 이행",
    sc_percent_full: "완전 이행 비율(%)", sc_percent_score: "최대 점수 대비(%)",
    sc_matrix: "약속별·연도별 점수 (0-3)",
    sc_provision: "약속",
    sc_error: "점수를 불러올 수 없습니다: {msg}",
    entries_by: "{id}가 서명한 항목",
    related_entries: "관련 항목",
    error_load: "로그를 불러올 수 없습니다: {msg}",
    footer: "이 페이지의 모든 숫자는 투명성 로그의 서명된 항목을 다시 실행해 계산한 것이며, 누구나 armistice verify로 확인할 수 있습니다.",
  },
};

let lang = "en";

export function setLang(l) {
  lang = STRINGS[l] ? l : "en";
  document.documentElement.lang = lang;
  try { localStorage.setItem("armistice-lang", lang); } catch (err) { /* private mode */ }
}

export function getLang() {
  return lang;
}

export function initialLang() {
  const q = new URLSearchParams(location.search).get("lang");
  if (q && STRINGS[q]) return q;
  try {
    const s = localStorage.getItem("armistice-lang");
    if (s && STRINGS[s]) return s;
  } catch (err) { /* private mode */ }
  return (navigator.language || "en").toLowerCase().startsWith("ko") ? "ko" : "en";
}

/* t("key", {name: value}): the string of the current language, filled in. */
export function t(key, vars = {}) {
  const s = STRINGS[lang][key] ?? STRINGS.en[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (m, k) => (vars[k] === undefined ? m : String(vars[k])));
}

export function fmtNum(n) {
  return new Intl.NumberFormat(lang === "ko" ? "ko-KR" : "en-GB").format(n);
}

/*
 * Dates in the agreement's timezone. An offset "+09:00" is applied to the
 * instant and the calendar date is then read in UTC: never cut the date
 * from the UTC string (2018-04-26T15:00:00Z is 27 April in UTC+9).
 */
let tzMinutes = 0;
let tzName = "UTC";
export function setTimezone(tz) {
  const m = /^([+-])(\d\d):(\d\d)$/.exec(tz || "");
  tzMinutes = m ? (m[1] === "-" ? -1 : 1) * (parseInt(m[2], 10) * 60 + parseInt(m[3], 10)) : 0;
  tzName = m ? `UTC${tz}` : "UTC";
}
export function tzLabel() {
  return tzName;
}
export function tzOffset() {
  return tzMinutes;
}
/* ISO calendar date (YYYY-MM-DD) of an RFC 3339 instant in the agreement's timezone. */
export function isoDay(t) {
  if (!t) return "";
  const ms = Date.parse(t);
  if (Number.isNaN(ms)) return "";
  return new Date(ms + tzMinutes * 60000).toISOString().slice(0, 10);
}
/* The instant at which local day D (YYYY-MM-DD) ends, as RFC 3339 UTC. */
export function endOfDay(d) {
  const ms = Date.parse(`${d}T23:59:59Z`) - tzMinutes * 60000;
  return new Date(ms).toISOString().replace(".000Z", "Z");
}
export function fmtIsoDay(d, style = "medium") {
  if (!d) return "";
  const opts = style === "month" ? { year: "numeric", month: "short" } : { year: "numeric", month: "short", day: "numeric" };
  return new Intl.DateTimeFormat(lang === "ko" ? "ko-KR" : "en-GB", { ...opts, timeZone: "UTC" }).format(new Date(`${d}T00:00:00Z`));
}
export function fmtDay(t, style = "medium") {
  return fmtIsoDay(isoDay(t), style);
}
