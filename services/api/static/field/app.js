/* The field-capture page: record steps without a connection, send them in
   order when it is back, each once.

   A step is kept on this phone (vault.js) with everything the server needs
   to record it exactly once and in the right place: its own idempotency
   key, the case id (made here for an identification), the case version it
   was captured at and the moment it was captured (occurred_at). Sending
   takes the session's form token first (/field/data/session); an ended
   session stops the sending, keeps the queue and asks the worker to log in.
   A step someone else's work made stale is listed for the worker to decide:
   it is never recorded over their steps, and the later steps of its case
   wait for that decision while the other cases' steps are sent. All texts
   come from the page. */
"use strict";

(() => {
  const root = document.getElementById("field");
  if (!root || typeof Vault === "undefined") {
    return;
  }
  const BATCH = 25;
  const $ = (id) => document.getElementById(id);
  const text = (name) => root.dataset[name] || "";
  const vault = Vault.open(root.dataset.user);
  let bundle = { version: root.dataset.version, cases: [] };
  let queue = [];
  let syncing = false;
  let shownAt = "";

  $("needs-script").hidden = true;
  root.hidden = false;

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/field/sw.js", { scope: "/field/" }).catch(() => {});
  }

  function localMinute(moment) {
    const shown = new Intl.DateTimeFormat("sv-SE", {
      timeZone: "Europe/Tirane", year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", hourCycle: "h23",
    }).format(moment);
    return shown.replace(" ", "T");
  }

  function showConnection() {
    $("offline").hidden = navigator.onLine;
    $("online").hidden = !navigator.onLine;
  }

  async function refresh() {
    try {
      const response = await fetch("/field/data/bundle", { redirect: "manual" });
      if (!response.ok) {
        return;
      }
      bundle = await response.json();
      $("stale").hidden = bundle.version === root.dataset.version;
      render();
      if (response.headers.get("X-Vatra-Kept") && navigator.onLine) {
        // Online, yet the server was not reached (the connection is coming
        // back): ask again shortly, so the cases and the version are fresh.
        setTimeout(refresh, 2000);
      }
    } catch (unreachable) {
      // Offline and nothing kept yet: the cases held stay unknown.
    }
  }

  // -- the lock ------------------------------------------------------------

  async function showLock() {
    const exists = await vault.exists();
    $(exists ? "pin-set" : "pin-unlock").remove();
    $(exists ? "pin-unlock" : "pin-set").hidden = false;
  }

  $("pin-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const pin = $("pin").value;
    $("pin").value = "";
    let opened = true;
    if (await vault.exists()) {
      opened = await vault.unlock(pin);
    } else {
      await vault.create(pin);
    }
    $("pin-wrong").hidden = opened;
    if (!opened) {
      return;
    }
    queue = await vault.list();
    openWork();
    sync();
  });

  // Unlocked: the lock goes, the queue and the forms come.
  function openWork() {
    $("lock").remove();
    $("work-slot").append(document.getElementById("t-work").content.cloneNode(true));
    for (const button of document.querySelectorAll("#choose button")) {
      button.addEventListener("click", () => showForm(button.dataset.form));
    }
    $("case").addEventListener("change", () => $("case").setCustomValidity(""));
    $("send").addEventListener("click", sync);
    render();
  }

  // -- what is waiting ---------------------------------------------------------

  function titleOf(step) {
    const form = document.getElementById(`form-${step}`);
    return form ? form.content.querySelector("h2").textContent : step;
  }

  function caseLabel(caseId) {
    const made = queue.find((q) => q.step.step === "identify" && q.step.case_id === caseId);
    if (made) {
      return `${made.step.fields.subject_ref} (${text("tNewCase")})`;
    }
    const held = bundle.cases.find((c) => c.case_id === caseId);
    return held ? `${held.ref} · ${held.subject_ref}` : caseId.slice(0, 8);
  }

  function when(step) {
    const moment = step.occurred_at.endsWith("Z") ? localMinute(new Date(step.occurred_at)) : step.occurred_at;
    return moment.replace("T", " ");
  }

  function caseOptions() {
    const select = $("case");
    const kept = select.value;
    select.textContent = "";
    select.append(new Option(text("tChooseCase"), ""));
    const seen = new Set();
    for (const q of queue) {
      if (q.step.step === "identify" && !seen.has(q.step.case_id)) {
        seen.add(q.step.case_id);
        select.append(new Option(caseLabel(q.step.case_id), q.step.case_id));
      }
    }
    for (const held of bundle.cases) {
      if (!seen.has(held.case_id)) {
        seen.add(held.case_id);
        select.append(new Option(caseLabel(held.case_id), held.case_id));
      }
    }
    select.value = seen.has(kept) ? kept : "";
  }

  function render() {
    const list = $("queue");
    if (!list) {
      return;  // still locked
    }
    list.textContent = "";
    for (const q of queue) {
      const item = document.createElement("li");
      item.textContent = `${titleOf(q.step.step)} · ${caseLabel(q.step.case_id)} · ${when(q.step)}`;
      list.append(item);
    }
    $("queue-empty").hidden = queue.length > 0;
    caseOptions();
  }

  // The case version the next step on a case is captured at.
  function versionOf(caseId) {
    const held = bundle.cases.find((c) => c.case_id === caseId);
    let version = held ? held.version : 0;
    for (const q of queue) {
      if (q.step.case_id === caseId) {
        version = Math.max(version, q.step.step === "identify" ? 1 : q.step.expected_version + 1);
      }
    }
    return version;
  }

  // -- recording ---------------------------------------------------------------

  function showForm(step) {
    const slot = $("slot");
    slot.textContent = "";
    slot.append(document.getElementById(`form-${step}`).content.cloneNode(true));
    $("case-field").hidden = step === "identify";
    $("kept").hidden = true;
    const form = slot.querySelector("form");
    const moment = form.querySelector("[name=occurred_at]");
    shownAt = localMinute(new Date());
    if (moment) {
      moment.value = shownAt;
      moment.max = shownAt;
    }
    form.addEventListener("submit", capture);
    const first = form.querySelector("input:not([type=hidden]), select, textarea");
    if (first) {
      first.focus();
    }
  }

  async function capture(event) {
    event.preventDefault();
    const form = event.target;
    const step = form.dataset.step;
    const data = new FormData(form);
    const fields = {};
    for (const [name, value] of data) {
      if (name === "occurred_at") {
        continue;
      }
      if (name in fields) {
        fields[name] = [].concat(fields[name], value);
      } else {
        fields[name] = value;
      }
    }
    const typed = String(data.get("occurred_at") || "");
    // The moment of capture, unless the worker gave another one.
    const occurred = !typed || typed === shownAt ? new Date().toISOString() : typed;
    let caseId = "";
    let expected = null;
    if (step === "identify") {
      caseId = crypto.randomUUID();
    } else {
      caseId = $("case").value;
      if (!caseId) {
        $("case").setCustomValidity(text("tChooseCase"));
        $("case").reportValidity();
        return;
      }
      expected = versionOf(caseId);
    }
    const entry = {
      step, key: crypto.randomUUID(), case_id: caseId, expected_version: expected,
      occurred_at: occurred, fields,
    };
    const seq = await vault.add(entry);
    queue.push({ seq, step: entry });
    $("slot").textContent = "";
    $("case-field").hidden = false;
    $("kept").textContent = text("tKept");
    $("kept").hidden = false;
    render();
    if (step === "identify") {
      $("case").value = caseId;
    }
    sync();
  }

  // -- sending -----------------------------------------------------------------

  function progress(sent, total) {
    $("progress").max = total;
    $("progress").value = sent;
    $("progress-text").textContent = text("tProgress")
      .replace("{done}", String(sent)).replace("{total}", String(total));
  }

  async function session() {
    const response = await fetch("/field/data/session", { redirect: "manual", cache: "no-store" });
    if (response.type === "opaqueredirect" || response.status === 401) {
      return null;
    }
    if (!response.ok) {
      throw new Error(`session: ${response.status}`);
    }
    return response.json();
  }

  async function sync() {
    if (syncing || !navigator.onLine || !vault.unlocked() || !queue.length) {
      return;
    }
    syncing = true;
    const total = queue.length;
    let sent = 0;
    // A case whose step was not recorded waits for the worker's decision
    // (case id -> its step and the answer); the other cases' steps go on.
    const held = new Map();
    $("sending").hidden = false;
    $("sync-note").textContent = "";
    progress(sent, total);
    try {
      const token = await session();
      $("login").hidden = token !== null && token.user_id === root.dataset.user;
      if (!$("login").hidden) {
        return;
      }
      for (;;) {
        const batch = queue.filter((q) => !held.has(q.step.case_id)).slice(0, BATCH);
        if (!batch.length) {
          break;
        }
        const response = await fetch("/field/data/sync", {
          method: "POST",
          redirect: "manual",
          cache: "no-store",
          headers: { "Content-Type": "application/json", "X-CSRF-Token": token.csrf },
          body: JSON.stringify({ steps: batch.map((q) => q.step) }),
        });
        if (response.type === "opaqueredirect") {
          $("login").hidden = false;
          return;
        }
        if (!response.ok) {
          throw new Error(`sync: ${response.status}`);
        }
        const { answers } = await response.json();
        let moved = false;
        for (const [index, answer] of answers.entries()) {
          const q = batch[index];
          if (answer.status === "recorded") {
            await vault.remove(q.seq);
            queue.splice(queue.indexOf(q), 1);
            sent += 1;
            progress(sent, total);
            moved = true;
          } else if (!held.has(q.step.case_id)) {
            held.set(q.step.case_id, { q, answer });
            moved = true;
          }
        }
        if (!moved) {
          break; // nothing answered: try again later rather than loop
        }
      }
    } catch (failed) {
      $("sync-note").textContent = text("tFailed");
    } finally {
      syncing = false;
      decisions([...held.values()]);
      render();
      if (!queue.length) {
        $("kept").hidden = true;
        refresh();
      }
    }
  }

  // -- what the worker decides ----------------------------------------------------

  function labelOf(step, name) {
    const form = document.getElementById(`form-${step}`).content;
    const label = form.querySelector(`label[for="${name}"]`);
    if (label) {
      return label.textContent.trim();
    }
    const input = form.querySelector(`[name="${name}"]`);
    const legend = input && input.closest("fieldset") && input.closest("fieldset").querySelector("legend");
    return legend ? legend.textContent.trim() : "";
  }

  function decisions(held) {
    const list = $("decisions");
    list.textContent = "";
    $("decide").hidden = !held.length;
    for (const blocked of held) {
      list.append(decision(blocked));
    }
  }

  function decision({ q, answer }) {
    const conflict = answer.status === "conflict";
    const item = document.getElementById(conflict ? "t-conflict" : "t-refused").content.cloneNode(true);
    item.querySelector(".what").textContent = `${titleOf(q.step.step)} · ${caseLabel(q.step.case_id)} · ${when(q.step)}`;
    if (conflict) {
      for (const change of answer.changes) {
        const line = document.createElement("li");
        line.textContent = change;
        item.querySelector(".changes").append(line);
      }
      item.querySelector(".after").addEventListener("click", () => after(q, answer.version));
    } else {
      for (const [name, reason] of Object.entries(answer.errors || {})) {
        const line = document.createElement("li");
        const label = name ? labelOf(q.step.step, name) : "";
        line.textContent = label ? `${label}: ${reason}` : reason;
        item.querySelector(".reasons").append(line);
      }
    }
    item.querySelector(".drop").addEventListener("click", () => drop(q));
    return item;
  }

  // Record the step after the others' steps: it and the later steps of the
  // same case move up by as many versions as were recorded meanwhile.
  async function after(q, version) {
    const moved = version - q.step.expected_version;
    for (const later of queue.slice(queue.indexOf(q))) {
      if (later.step.case_id === q.step.case_id && later.step.step !== "identify") {
        later.step.expected_version += moved;
        await vault.replace(later.seq, later.step);
      }
    }
    decisions([]);
    sync();
  }

  async function drop(q) {
    await vault.remove(q.seq);
    queue.splice(queue.indexOf(q), 1);
    decisions([]);
    render();
    sync();
  }

  window.addEventListener("online", () => {
    showConnection();
    refresh().then(sync);
  });
  window.addEventListener("offline", showConnection);
  showConnection();
  showLock();
  refresh();
})();
