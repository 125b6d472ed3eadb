// SmartSync's page: the Scheduling dialogs, the live status and the log's follow/clear. Hand-written, no library.
(function () {
  "use strict";
  const csrf = (document.querySelector('meta[name="csrf"]') || {}).content || "";
  const $ = (id) => document.getElementById(id);

  // -- live status: the server renders the panel; this swaps it in every second --------------------------
  const panel = $("status");
  async function refreshStatus() {
    try {
      const back = encodeURIComponent(location.pathname + location.search);
      const r = await fetch("/status-panel?back=" + back, { headers: { Accept: "text/html" }, credentials: "same-origin" });
      if (r.ok) panel.innerHTML = await r.text();
    } catch (e) { /* the next tick tries again */ }
  }
  if (panel) setInterval(refreshStatus, 1000);

  function say(text, good) {
    const m = $("run-message");
    if (!m) return;
    m.textContent = text;
    m.className = "run-message " + (good ? "good" : "bad");
  }

  document.addEventListener("submit", async (ev) => {
    const f = ev.target;
    if (!f.classList || !f.classList.contains("run-now")) return;
    ev.preventDefault();
    const r = await fetch("/api/run-now", { method: "POST", headers: { "X-CSRF-Token": csrf }, credentials: "same-origin" });
    const body = await r.json().catch(() => ({}));
    say(r.ok ? "A cycle starts now." : "Run now refused: " + (body.message || r.statusText), r.ok);
    refreshStatus();
  });

  // -- Scheduling switch, Schedule Settings and the Start Now / Start Later question ---------------------
  const form = $("config-form");
  if (form) {
    const sw = $("scheduling-switch"), dlg = $("schedule-dialog"), startDlg = $("start-dialog");
    const enabled = form.elements.sched_enabled, dirty = form.elements.sched_dirty, start = form.elements.sched_start;
    const number = $("sched-number"), unit = $("sched-unit"), help = $("help"), picture = $("help-picture");
    let before = { number: number.value, unit: unit.value };
    const interval = () => (number.value || "").trim() + unit.value;
    const summary = () => {
      $("sched-summary").textContent = (enabled.value === "on" ? "every " + interval() + " from the end of a cycle"
        : "cycles run only when started by hand") + (dirty.value === "1" ? " · not saved yet: press Save" : "");
    };
    const drawHelp = () => { picture.src = "/api/cycle-picture.svg?interval=" + encodeURIComponent(interval()); };
    const cancel = () => {
      number.value = before.number; unit.value = before.unit;
      sw.checked = enabled.value === "on";
      $("schedule-error").textContent = "";
      if (dlg.open) dlg.close("cancel");
    };
    sw.addEventListener("change", () => {
      if (sw.checked) {
        before = { number: number.value, unit: unit.value };
        help.hidden = true;
        dlg.showModal();
      } else {
        enabled.value = ""; dirty.value = "1"; summary();
      }
    });
    $("schedule-cancel").addEventListener("click", cancel);
    dlg.addEventListener("cancel", (ev) => { ev.preventDefault(); cancel(); });
    $("schedule-confirm").addEventListener("click", () => {
      const n = Number(number.value);
      if (!Number.isInteger(n) || n <= 0) { $("schedule-error").textContent = "Enter a whole number greater than 0."; return; }
      enabled.value = "on"; dirty.value = "1"; $("schedule-error").textContent = "";
      dlg.close("confirm"); summary();
    });
    $("schedule-help").addEventListener("click", () => { help.hidden = !help.hidden; if (!help.hidden) drawHelp(); });
    number.addEventListener("input", () => { if (!help.hidden) drawHelp(); });
    unit.addEventListener("change", () => { if (!help.hidden) drawHelp(); });

    form.addEventListener("submit", (ev) => {
      if (dirty.value === "1" && enabled.value === "on" && !start.value) {
        ev.preventDefault();
        $("start-error").textContent = "";
        startDlg.showModal();
      }
    });
    $("start-now").addEventListener("click", () => { start.value = "now"; startDlg.close(); form.submit(); });
    $("start-later").addEventListener("click", () => {
      if (!$("start-at").value) { $("start-error").textContent = "Choose a date and time first."; return; }
      start.value = "later"; startDlg.close(); form.submit();
    });
    $("start-back").addEventListener("click", () => startDlg.close());
  }

  // -- log: follow and clear -----------------------------------------------------------------------------
  const log = $("log");
  if (log) {
    setInterval(async () => {
      if (!$("follow").checked) return;
      const r = await fetch("/api/log?lines=300", { credentials: "same-origin" }).catch(() => null);
      if (!r || !r.ok) return;
      const body = await r.json();
      const atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
      log.textContent = body.lines.length ? body.lines.join("\n") : "The log is empty.";
      if (atBottom) log.scrollTop = log.scrollHeight;
    }, 2000);
    const clearDlg = $("clear-dialog");
    $("clear-log").addEventListener("click", () => clearDlg.showModal());
    $("clear-cancel").addEventListener("click", () => clearDlg.close());
    $("clear-confirm").addEventListener("click", () => {
      const f = $("clear-form");
      f.elements.confirm.value = "yes";
      f.submit();
    });
  }
})();
