// What the buttons, links and forms of servq's pages do (served as /assets/actions.js).
//
// The pages are sent with a Content-Security-Policy whose script-src has no 'unsafe-inline', so
// a template may carry no onclick/onsubmit/onchange attribute and no inline script: the browser
// would refuse to run them. Instead an element names what it does and this file's three
// listeners on the document (click, submit, change) run it. Delegation also covers rows added
// after the page loaded, and keeps every handler in one place.
//
// layout.html loads this file in <head>, before the body is parsed: the listeners sit on the
// document, which exists by then, so a form is never submitted natively (a GET to the page
// itself, with e.g. the passwords in the URL) in the moment between its being shown and the
// page's scripts at the end of the body having run. Nothing here touches the body at load; the
// helpers of app.js (servqSend, servqRequest, …) are only called once the user acts.
//
// The vocabulary:
//   data-action="NAME" on a button or link: run NAME on click (servqClickActions);
//   data-action="NAME" on a form: run NAME on submit, which never navigates (servqSubmitActions);
//   data-change-action="NAME" on a control: run NAME when it changes (servqChangeActions).
// Their parameters:
//   data-url      the API URL (or its prefix, where the action appends an id);
//   data-method   the HTTP method of "send"/"request" (default POST) and "json-save" (default PUT);
//   data-body     a JSON object sent as is ("send", "request"; default {});
//   data-values   a JSON object of key → CSS selector: each key is added to the body with the
//                 value of the field the selector finds (a checkbox gives true/false, a field
//                 marked data-list an array of its `;`-separated items); looked up
//                 inside the closest `data-scope` ancestor when given (a table row), else inside
//                 the form being submitted, else in the page;
//   data-next     where to go once saved: absent → stay and say "saved"; "reload"; "here" (this
//                 page's path, without its query); "answer" ("send": the `url` of the JSON
//                 answer); anything else is a URL;
//   data-confirm, data-yes, data-no   ask first in a dialog (servqConfirm) with these texts;
//   data-source   the id of the textarea "json-save" reads; data-key wraps its value as {key: …};
//   data-target, data-said   "copy": the id of the element whose text is copied, the note said;
//   data-contact  "calibrate", "score": the contact id as a JSON string;
//   data-targets  "check-all": a CSS selector of the checkboxes set like this one.
// Values that askama puts into these attributes are HTML-escaped by it; the browser unescapes
// them, so data-url holds the URL exactly and JSON.parse reads data-body/data-contact.

// A data-* attribute holding JSON; `fallback` when absent or empty.
function servqDataJson(el, name, fallback) {
  var text = el.dataset[name];
  return text === undefined || text === '' ? fallback : JSON.parse(text);
}

// servqSend's `next` from data-next (see above).
function servqNext(el) {
  var next = el.dataset.next;
  if (next === undefined || next === '') { return undefined; }
  if (next === 'reload') { return true; }
  if (next === 'here') { return location.pathname; }
  return next;
}

// The body of "send"/"request": data-body plus the fields named by data-values.
function servqBody(el) {
  var body = servqDataJson(el, 'body', {});
  var values = servqDataJson(el, 'values', {});
  var root = el.dataset.scope ? el.closest(el.dataset.scope) : el.tagName === 'FORM' ? el : document;
  Object.keys(values).forEach(function (key) {
    var field = root.querySelector(values[key]);
    body[key] = field.type === 'checkbox' ? field.checked : servqFieldValue(field);
  });
  return body;
}

// A field's value; a field marked data-list gives its items separated by `;` (or the
// full-width `；`), as the roster file writes them — the server trims and checks each.
function servqFieldValue(field) {
  if (field.dataset.list === undefined) { return field.value; }
  return field.value.split(/[;；]/).filter(function (item) { return item.trim() !== ''; });
}

// Runs `run` at once, or once the user said yes when the element asks first (data-confirm).
function servqConfirmed(el, run) {
  if (!el.dataset.confirm) { run(); return; }
  servqConfirm(el).then(function (yes) { if (yes) { run(); } });
}

// The generic save: data-method data-url, the body of servqBody, then data-next.
function servqSendFrom(el) {
  servqConfirmed(el, function () {
    if (el.dataset.next === 'answer') {
      // go where the answer says (`url`), e.g. the ticket just opened
      servqSend(el.dataset.method || 'POST', el.dataset.url, servqBody(el), undefined).then(function (answer) {
        if (answer && answer.url) { location.href = answer.url; }
      });
      return;
    }
    servqSend(el.dataset.method || 'POST', el.dataset.url, servqBody(el), servqNext(el));
  });
}

// The reason field of a dispute-item checkbox (qa_evaluation.html): same data-item as its value.
function servqDisputeReason(box) {
  return document.querySelector('.dispute-item-reason-input[data-item="' + CSS.escape(box.value) + '"]');
}

// Click actions: function (element, event). The event's default (a link's navigation) goes on
// unless the action prevents it.
var servqClickActions = {
  // Starts two-factor enrolment: the QR code and the secret to type in by hand.
  'two-factor-start': function (el) {
    servqRequest('POST', el.dataset.url, {}).then(function (p) {
      if (!p[0]) { servqProblem(p[1]); return; }
      document.getElementById('two-factor-qr').src = p[1].qr;
      document.getElementById('two-factor-secret').textContent = p[1].secret;
      document.getElementById('two-factor-setup').hidden = false;
      el.hidden = true;
      document.getElementById('two-factor-code').focus();
    });
  },
  // A save through the API (servqSendFrom); "saved", a reload or the next page.
  send: servqSendFrom,
  // The fishbone as an SVG file: the link gets the drawing as a data URL just before it follows.
  'download-svg': function (el) {
    var svg = document.getElementById(el.dataset.source);
    el.href = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(svg.outerHTML);
  },
  // The browser's print dialog (the briefing is made to be printed).
  print: function () { window.print(); },
  // The request only, nothing said; a link goes on to its page (a notification marked read).
  request: function (el) {
    servqRequest(el.dataset.method || 'POST', el.dataset.url, servqBody(el));
  },
  // The "advanced" JSON box of a set-up page: parsed (an error is said), optionally wrapped
  // under data-key, then saved. Unwrapped, a falsy value is not sent, as before.
  'json-save': function (el) {
    var value = servqJson(el.dataset.source);
    var key = el.dataset.key;
    if (key ? value === null : !value) { return; }
    var body = value;
    if (key) { body = {}; body[key] = value; }
    servqSend(el.dataset.method || 'PUT', el.dataset.url, body);
  },
  copy: function (el) { servqCopy(el.dataset.target, el.dataset.said); },
  // Back in the history; a page opened on its own (nothing to go back to) follows the href.
  back: function (el, event) {
    if (history.length > 1) {
      event.preventDefault();
      history.back();
    }
  },
  calibrate: function (el) { servqCalibrate(JSON.parse(el.dataset.contact)); },
  // A user's row on /admin/users: role, agent id and the teams list (any of , ， 、 ; between).
  'save-user': function (el) {
    var r = el.closest('tr');
    servqSend('PATCH', el.dataset.url, {
      role: r.querySelector('.role').value,
      agent_id: r.querySelector('.agent-id').value,
      teams: r.querySelector('.teams').value.split(/[,，、;]/).map(function (t) { return t.trim(); }).filter(Boolean)
    }, true);
  },
  // A review reason's row on /surveys/setup: saved under the id typed in the row.
  'save-reason': function (el) {
    var r = el.closest('tr');
    var v = function (n) { return r.querySelector('[name=' + n + ']'); };
    servqSend('PUT', el.dataset.url + encodeURIComponent(v('id').value.trim()), {
      group: v('group').value,
      name_zh_cn: v('name_zh_cn').value,
      name_zh_tw: v('name_zh_tw').value,
      name_en: v('name_en').value,
      position: Number(v('position').value || 0),
      active: v('active').checked
    });
  },
  // The reasons ticked and the note of a review task.
  // A "wrong information" coding may name the article version the agent followed.
  'save-review': function (el) {
    var article = document.getElementById('article-id').value.trim();
    var version = document.getElementById('article-version').value;
    servqSend('PUT', el.dataset.url, {
      reasons: Array.prototype.map.call(document.querySelectorAll('#coding input[name=reason]:checked'), function (i) { return i.value; }),
      note: document.getElementById('note').value,
      article: article ? {id: article, version: version ? Number(version) : null} : null
    }, servqNext(el));
  }
};

// Submit actions: function (form). The native submit is always prevented first.
var servqSubmitActions = {
  send: servqSendFrom,
  // A form whose buttons act on their own (the review task's coding): submitting does nothing.
  none: function () {},
  'change-password': function (f) {
    if (f.new_password.value !== f.repeat.value) { servqSay(f.dataset.mismatch, 'error'); return; }
    servqSend('POST', f.dataset.url, {current_password: f.current_password.value, new_password: f.new_password.value})
      .then(function (ok) { if (ok) { f.reset(); } });
  },
  // A new API token, shown once; an admin's form has a user field (blank: one's own token).
  'create-token': function (f) {
    var body = {name: f.name.value, expires_in_days: Number(f.days.value), read_only: f.read_only.checked};
    if (f.username) { body.username = f.username.value || null; }
    servqRequest('POST', f.dataset.url, body).then(function (p) {
      if (!p[0]) { servqProblem(p[1]); return; }
      document.getElementById('new-token-value').textContent = p[1].token;
      document.getElementById('new-token').hidden = false;
      f.reset();
    });
  },
  // A KPI target (/targets): rates are typed in percent (data-ratios lists those metrics) and
  // sent as the fractions `servq kpi` writes; an empty warning edge is no band.
  'save-target': function (f) {
    var scale = f.dataset.ratios.split(',').indexOf(f.metric.value) >= 0 ? 100 : 1;
    var number = function (text) { return text === '' ? null : Number(text) / scale; };
    servqSend('PUT', f.dataset.url, {
      metric: f.metric.value,
      scope: f.scope.value,
      scope_value: f.scope_value.value,
      direction: f.direction.value || null,
      target: number(f.target.value),
      warn_at: number(f.warn_at.value),
      effective_from: f.effective_from.value || null
    }, true);
  },
  // A task under a problem or a goal (/tasks): the parent select says which.
  'save-task': function (f) {
    var field = f.elements;
    var parent = field.parent.value.split(':');
    var body = {title: field.task_title.value, owner: field.owner.value, due: field.due.value};
    body[parent[0] === 'goal' ? 'goal_id' : 'problem_id'] = Number(parent[1]);
    servqSend('POST', f.dataset.url, body, true);
  },
  // A problem's 5-Why chain and fishbone (/problems/{id}): empty rows are left out.
  'save-analysis': function (f) {
    var whys = [];
    var root = null;
    f.querySelectorAll('tr.why-row').forEach(function (row) {
      var why = row.querySelector('.why').value.trim();
      var because = row.querySelector('.because').value.trim();
      if (!why && !because) { return; }
      if (row.querySelector('.root').checked) { root = whys.length; }
      whys.push({why: why, because: because});
    });
    var causes = [];
    f.querySelectorAll('tr.cause-row').forEach(function (row) {
      var cause = row.querySelector('.cause').value.trim();
      if (!cause) { return; }
      causes.push({category: row.querySelector('.category').value, cause: cause,
        likelihood: row.querySelector('.likelihood').value, evidence: row.querySelector('.evidence').value.trim()});
    });
    // the branches as typed (labels or new names, separated by commas or 、), a known label
    // saved as its stored name
    var branches = document.getElementById('analysis-categories');
    var names = {};
    branches.dataset.names.split('|').forEach(function (pair) {
      var at = pair.lastIndexOf('=');
      if (at > 0) { names[pair.slice(0, at)] = pair.slice(at + 1); }
    });
    var categories = branches.value.split(/[,，、]/).map(function (b) { return b.trim(); })
      .filter(function (b) { return b !== ''; })
      .map(function (b) { return names[b] || b; });
    servqSend('PUT', f.dataset.url, {whys: whys, root: root, categories: categories, causes: causes}, true);
  },
  // The goal that measures a problem's fix (/problems/{id}); 0 removes it.
  'problem-goal': function (f) {
    servqSend('PUT', f.dataset.url, {goal_id: Number(f.elements.goal_id.value), owner: f.elements.owner.value}, true);
  },
  // Evidence linked to a problem (/problems/{id}).
  'link-evidence': function (f) {
    var field = f.elements;
    servqSend('POST', f.dataset.url, {kind: field.kind.value, reference: field.reference.value, note: field.note.value}, true);
  },
  // A comment on a task (/tasks).
  'task-comment': function (f) {
    servqSend('POST', f.dataset.url, {body: f.elements.body.value}, true);
  },
  // A scheduled job's cron pattern (/admin/settings); empty puts the default back.
  'job-schedule': function (f) {
    var pattern = f.elements.pattern.value.trim();
    servqSend('PUT', f.dataset.url, {pattern: pattern === '' ? null : pattern}, true);
  },
  // A knowledge-base article (/kb/new, /kb/{id}/edit): a new version, then the article.
  'save-article': function (f) {
    var field = f.elements;
    var id = field.id.value.trim();
    servqSend('PUT', f.dataset.url + encodeURIComponent(id), {
      title: field.title.value, body: field.body.value, level: field.level.value,
      language: field.language.value, audience: field.audience.value, status: field.status.value,
      tags: servqFieldValue(field.tags), category: field.category.value, owner: field.owner.value,
      review_date: field.review_date.value, note: field.note.value
    }, '/kb/' + encodeURIComponent(id));
  },
  // An exam attempt (/training/{id}/exam): one answer per question — option numbers for a
  // choice, true/false, text — then the attempt's page.
  'submit-exam': function (f) {
    servqConfirmed(f, function () {
      var answers = Array.prototype.map.call(f.querySelectorAll('fieldset.question'), function (q) {
        var kind = q.dataset.kind;
        var name = 'q' + q.dataset.index;
        if (kind === 'short') { return f.elements[name].value; }
        var chosen = Array.prototype.filter.call(q.querySelectorAll('input'), function (i) { return i.checked; });
        if (kind === 'true_false') { return chosen.length ? chosen[0].value === 'true' : null; }
        return chosen.length ? chosen.map(function (i) { return Number(i.value); }) : null;
      });
      servqRequest('POST', f.dataset.url, {answers: answers}).then(function (p) {
        if (!p[0]) { servqProblem(p[1]); return; }
        location.href = '/training/attempts/' + encodeURIComponent(p[1].id);
      });
    });
  },
  // A trainer's points for the short answers of an attempt.
  'grade-attempt': function (f) {
    var points = {};
    f.querySelectorAll('.grade-points').forEach(function (i) { points[i.dataset.index] = Number(i.value); });
    servqSend('POST', f.dataset.url, {points: points}, true);
  },
  // A problem recorded by hand (/problems).
  'save-problem': function (f) {
    var field = f.elements;
    servqSend('POST', f.dataset.url, {title: field.title.value, class: field['class'].value, owner: field.owner.value, description: field.description.value}, true);
  },
  // A goal (/goals): ratios are typed in percent; the scope becomes the filter.
  'save-goal': function (f) {
    var scale = f.dataset.ratios.split(',').indexOf(f.metric.value) >= 0 ? 100 : 1;
    var filter = {};
    if (f.scope.value) { filter[f.scope.value] = f.scope_value.value; }
    servqSend('POST', f.dataset.url, {
      name: f.name.value,
      metric: f.metric.value,
      filter: filter,
      target: f.target.value === '' ? null : Number(f.target.value) / scale,
      relative: f.relative.value === '' ? null : Number(f.relative.value) / 100,
      deadline: f.deadline.value,
      baseline_from: f.baseline_from.value,
      baseline_to: f.baseline_to.value
    }, true);
  },
  // A 360° rating (/performance/ratings): each dimension's select gives 1–5 or nothing.
  rate: function (f) {
    var body = {agent_id: f.agent_id.value, source: f.source.value, period_start: f.period_start.value,
      period_end: f.period_end.value, comment: f.comment.value};
    f.querySelectorAll('select[data-score]').forEach(function (s) { body[s.name] = s.value === '' ? null : Number(s.value); });
    servqSend('POST', f.dataset.url, body, true);
  },
  // A coaching session on an agent's card (/performance): the problems ticked go with it.
  coach: function (f) {
    servqSend('POST', f.dataset.url, {
      agent_id: f.dataset.agent,
      topic: f.topic.value,
      problems: Array.from(f.querySelectorAll('.coach-problem:checked')).map(function (box) { return box.value; }),
      metric: f.metric.value || null,
      session_date: f.session_date.value || null,
      follow_up: f.follow_up.value,
      notes: f.notes.value,
      actions: f.actions.value
    }, true);
  },
  // Makes a month's report (it takes a moment: said first), then shows the archive with it.
  'make-report': function (f) {
    servqSay(f.dataset.working, 'ok');
    servqSend('POST', f.dataset.url, {month: f.month.value}, true);
  },
  'alert-days': function (f) { servqSend('PUT', f.dataset.url, {days: Number(f.days.value)}, true); },
  // A roster agent, saved under the id typed (data-url is the prefix).
  'add-agent': function (f) {
    servqSend('PUT', f.dataset.url + encodeURIComponent(f.agent_id.value.trim()), {name: f.name.value, team: f.team.value, queues: servqFieldValue(f.queues)}, true);
  },
  'save-settings': function (f) {
    servqSend('PUT', f.dataset.url, {
      name: f.name.value,
      time_zone: f.time_zone.value,
      short_abandon_seconds: Number(f.short_abandon_seconds.value),
      service_level_seconds: Number(f.service_level_seconds.value),
      fcr_window_hours: Number(f.fcr_window_hours.value),
      supervisors_see_own_teams: f.own_teams.checked,
      kb_approval_required: f.kb_approval.checked,
      two_factor_roles: Array.from(f.querySelectorAll('.two-factor-role:checked')).map(function (box) { return box.value; })
    });
  },
  // Two-factor sign-in: the code from the app turns it on, and the recovery codes are shown
  // once; a code turns it off.
  'two-factor-confirm': function (f) {
    servqRequest('POST', f.dataset.url, {code: f.code.value}).then(function (p) {
      if (!p[0]) { servqProblem(p[1]); return; }
      var list = document.getElementById('two-factor-code-list');
      p[1].recovery_codes.forEach(function (code) {
        var item = document.createElement('li');
        var text = document.createElement('code');
        text.textContent = code;
        item.appendChild(text);
        list.appendChild(item);
      });
      document.getElementById('two-factor-setup').hidden = true;
      document.getElementById('two-factor-codes').hidden = false;
    });
  },
  'two-factor-off': function (f) {
    servqSend('DELETE', f.dataset.url, {code: f.code.value}, true);
  },
  'create-user': function (f) {
    servqSend('POST', f.dataset.url, {
      username: f.username.value,
      password: f.password.value,
      role: f.role.value,
      agent_id: f.agent_id.value || null
    }, true);
  },
  // One's notification settings: the address, and per kind in-app and e-mail.
  'notify-settings': function (f) {
    var kinds = Array.from(f.querySelectorAll('tr[data-kind]')).map(function (r) {
      return {kind: r.dataset.kind, in_app: r.querySelector('.in-app').checked, email: r.querySelector('.by-email').checked};
    });
    servqSend('PUT', f.dataset.url, {email: f.email.value, kinds: kinds});
  },
  // Draws a QA sample, then shows /qa with the result and the form's choices in the query.
  sample: function (f) {
    servqRequest('POST', f.dataset.url, {from: f.from.value, to: f.to.value, per_agent: Number(f.per_agent.value), strategy: f.strategy.value,
      customer_tag: f.customer_tag && f.customer_tag.value.trim() ? f.customer_tag.value.trim() : null})
      .then(function (p) {
        if (!p[0]) { servqProblem(p[1]); return; }
        location.href = '/qa?' + new URLSearchParams({queued: p[1].queued, candidates: p[1].candidates, strategy: f.strategy.value, from: f.from.value, to: f.to.value, per_agent: f.per_agent.value});
      });
  },
  // A scorecard (qa_macros.html): each item's level ("na" kept as text), the comments and
  // re-review reason where the page has them (also fields outside the form, by form=), the
  // contact of a new evaluation; then data-next, or a reload.
  score: function (f) {
    var answers = {};
    f.querySelectorAll('select[data-item]').forEach(function (s) { answers[s.dataset.item] = s.value === 'na' ? 'na' : Number(s.value); });
    var body = {answers: answers, comments: f.comments ? f.comments.value : '', reason: f.reason ? f.reason.value : undefined};
    if (f.dataset.contact) { body.contact_id = JSON.parse(f.dataset.contact); }
    servqPost(f.dataset.url, body, f.dataset.next || null);
  },
  // A dispute of an evaluation: the reason, and each item ticked with its own reason.
  dispute: function (f) {
    servqPost(f.dataset.url, {
      reason: f.reason.value,
      items: Array.from(document.querySelectorAll('.dispute-item:checked')).map(function (box) {
        return {item_id: box.value, reason: servqDisputeReason(box).value};
      })
    });
  },
  // A ticket note: internal unless "public" is ticked.
  'add-note': function (f) {
    servqSend('POST', f.dataset.url, {text: f.text.value, internal: !f.public.checked}, location.pathname);
  },
  attach: function (f) { servqAttach(f); },
  'create-ticket': function (f) {
    servqCreate({
      ticket_type: f.ticket_type.value,
      category: f.category.value,
      priority: f.priority.value,
      subject: f.subject.value,
      public_summary: f.public_summary.value,
      description: f.description.value,
      customer_id: f.customer_id.value,
      segment: f.segment.value,
      channel: f.channel.value
    });
  },
  bulk: function (f) { servqBulk(f); }
};

// Change actions: function (control).
var servqChangeActions = {
  // The header's language choice takes effect at once.
  submit: function (el) { el.form.submit(); },
  // A "select all" box sets every box of data-targets like itself.
  'check-all': function (el) {
    document.querySelectorAll(el.dataset.targets).forEach(function (c) { c.checked = el.checked; });
  },
  // Ticking an item to dispute shows its reason field and moves there; unticking hides it.
  'dispute-item': function (box) {
    var input = servqDisputeReason(box);
    input.hidden = !box.checked;
    if (box.checked) { input.focus(); }
  }
};

document.addEventListener('click', function (event) {
  // a form's data-action is its submit action, not a click one
  var el = event.target.closest ? event.target.closest('[data-action]:not(form)') : null;
  if (!el) { return; }
  var action = servqClickActions[el.dataset.action];
  if (action) { action(el, event); }
});

document.addEventListener('submit', function (event) {
  var form = event.target;
  var name = form.dataset ? form.dataset.action : undefined;
  if (!name) { return; }
  // as the inline handlers did first: these forms save through the API, never navigate
  event.preventDefault();
  var action = servqSubmitActions[name];
  if (action) { action(form, event); }
});

document.addEventListener('change', function (event) {
  var el = event.target.closest ? event.target.closest('[data-change-action]') : null;
  if (!el) { return; }
  var action = servqChangeActions[el.dataset.changeAction];
  if (action) { action(el, event); }
});
