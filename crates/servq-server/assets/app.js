// The script of servq's pages (served as /assets/app.js, loaded by layout.html at the end of the
// body; what the buttons and forms do is wired up in actions.js): sends JSON, or a form's
// files, to the API with the session's CSRF token, then reloads, moves on or says "saved"; a
// refusal is said in the user's language (the problem's `message`, else its `detail`) in the
// page's status line.
function servqCsrf() { return document.getElementById('csrf').dataset.csrf; }
function servqSay(text, kind) {
  var m = document.getElementById('message');
  if (m) {
    m.textContent = text;
    m.className = kind;
  }
  if (kind === 'ok') { servqToast(text); }
}
// A short-lived note in the corner ("saved"), read out by screen readers.
function servqToast(text) {
  var toast = document.createElement('div');
  toast.className = 'toast ok';
  toast.setAttribute('role', 'status');
  toast.textContent = text;
  document.body.appendChild(toast);
  setTimeout(function () { toast.remove(); }, 3000);
}
function servqProblem(problem) {
  // a refused form: each field's reason after the summary; a plain form's input named like the
  // refused field (the form last submitted, else the page) is marked too
  var errors = problem.errors || [];
  var reasons = errors.map(function (e) { return e.message; }).filter(Boolean);
  var text = problem.message || problem.detail || problem.title || '';
  var scope = servqLastForm && document.contains(servqLastForm) ? servqLastForm : document;
  errors.forEach(function (e) {
    var field = e.field && scope.querySelector('[name="' + CSS.escape(e.field) + '"]');
    if (field) {
      field.setAttribute('aria-invalid', 'true');
      field.addEventListener('input', function () { field.removeAttribute('aria-invalid'); }, {once: true});
    }
  });
  servqSay(reasons.length ? text + ' ' + reasons.join('；') : text, 'error');
}
// The form whose submit action ran last (servqProblem marks its fields).
var servqLastForm = null;
document.addEventListener('submit', function (event) { servqLastForm = event.target; }, true);
// A save that reloads the page says "saved" once the page is back.
var SERVQ_SAVED_KEY = 'servq-saved';
document.addEventListener('DOMContentLoaded', function () {
  try {
    if (sessionStorage.getItem(SERVQ_SAVED_KEY)) {
      sessionStorage.removeItem(SERVQ_SAVED_KEY);
      var message = document.getElementById('message');
      if (message && message.dataset.saved) { servqToast(message.dataset.saved); }
    }
  } catch (e) { /* storage refused: no note */ }
});
// Resolves to [ok, body]; a 204 has an empty body, a non-JSON answer becomes a problem.
function servqRequest(method, url, body) {
  var headers = {'X-CSRF-Token': servqCsrf()};
  var payload = body;
  if (!(body instanceof FormData)) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  return fetch(url, {method: method, credentials: 'same-origin', headers: headers, body: payload})
    .then(function (r) {
      var read = r.status === 204 ? Promise.resolve({})
        : r.json().catch(function () { return {title: r.status + ' ' + r.statusText}; });
      return read.then(function (j) { return [r.ok, j]; });
    });
}
// `next`: a URL to go to, true to reload, nothing to stay and say "saved".
function servqSend(method, url, body, next) {
  return servqRequest(method, url, body).then(function (p) {
    if (!p[0]) { servqProblem(p[1]); return null; }
    if (typeof next === 'string') { location.href = next; }
    else if (next === true) {
      try { sessionStorage.setItem(SERVQ_SAVED_KEY, '1'); } catch (e) { /* no note then */ }
      location.reload();
    }
    else { servqSay(document.getElementById('message').dataset.saved, 'ok'); }
    return p[1];
  });
}
function servqPost(url, body, next) { return servqSend('POST', url, body, next || true); }
function servqJson(id) {
  try { return JSON.parse(document.getElementById(id).value); }
  catch (e) { servqSay(e.message, 'error'); return null; }
}
// Opens a calibration session on a contact and goes to it.
function servqCalibrate(contact) {
  servqRequest('POST', '/api/v1/calibrations', {contact_id: contact}).then(function (p) {
    if (p[0]) { location.href = '/qa/calibrations/' + encodeURIComponent(p[1].id); }
    else { servqProblem(p[1]); }
  });
}
// Opens a ticket and goes to it with its status link.
function servqCreate(body) {
  servqRequest('POST', '/api/v1/tickets', body).then(function (p) {
    if (p[0]) {
      location.href = '/tickets/' + encodeURIComponent(p[1].id) + '?token=' + encodeURIComponent(p[1].status_token);
    } else { servqProblem(p[1]); }
  });
}
// Uploads a form's file to its data-url, then reloads.
function servqAttach(form) { servqSend('POST', form.dataset.url, new FormData(form), true); }
// Copies the text of element `id` and says so.
function servqCopy(id, said) {
  navigator.clipboard.writeText(document.getElementById(id).textContent).then(function () { servqSay(said, 'ok'); });
}
// The header's bell: the unread count, fetched once the page is shown.
(function () {
  var count = document.getElementById('bell-count');
  if (!count) { return; }
  fetch('/api/v1/notifications?unread=true&limit=0', {credentials: 'same-origin'})
    .then(function (r) { return r.ok ? r.json() : null; })
    .then(function (list) {
      if (list && list.unread > 0) {
        var shown = list.unread > 99 ? '99+' : String(list.unread);
        count.textContent = shown;
        count.hidden = false;
        // the name read out holds the number shown ("Notifications, 3 unread")
        var bell = document.getElementById('bell');
        bell.setAttribute('aria-label', bell.title + ', ' + bell.dataset.unread.replace('{n}', shown));
      }
    });
})();
// The header marks the page the user is on (the longest link that starts the path).
(function () {
  var links = Array.from(document.querySelectorAll('header nav a'));
  var path = location.pathname;
  var best = null;
  links.forEach(function (link) {
    var href = link.getAttribute('href');
    var here = href === '/' ? path === '/' : path === href || path.indexOf(href.replace(/\/$/, '') + '/') === 0;
    if (here && (!best || href.length > best.getAttribute('href').length)) { best = link; }
  });
  if (best) { best.setAttribute('aria-current', 'page'); }
})();
// Bulk assign or close of the ticket rows picked: one request each, then the list again.
function servqBulk(form) {
  var picked = Array.from(document.querySelectorAll('#tickets .pick:checked')).map(function (c) { return c.value; });
  if (!picked.length) { servqSay(form.dataset.none, 'error'); return; }
  var action = form.action.value;
  var failed = null;
  picked.reduce(function (done, id) {
    return done.then(function () {
      if (failed) { return null; }
      var url = '/api/v1/tickets/' + encodeURIComponent(id);
      var request = action === 'close'
        ? servqRequest('POST', url + '/actions', {action: 'close', note: ''})
        : servqRequest('POST', url + '/transfer', {team: form.team.value, assignee: form.assignee.value});
      return request.then(function (p) { if (!p[0]) { failed = [id, p[1]]; } });
    });
  }, Promise.resolve()).then(function () {
    if (failed) {
      servqSay(failed[0] + ': ' + (failed[1].message || failed[1].detail || failed[1].title || ''), 'error');
    } else {
      location.reload();
    }
  });
}
// Asks before a destructive step in a dialog of the page (the texts come from the button's
// data-confirm, data-yes and data-no); resolves to true when confirmed.
function servqConfirm(button) {
  return new Promise(function (resolve) {
    var dialog = document.createElement('dialog');
    dialog.className = 'confirm';
    var text = document.createElement('p');
    text.textContent = button.dataset.confirm;
    var actions = document.createElement('p');
    actions.className = 'actions';
    var no = document.createElement('button');
    no.type = 'button';
    no.className = 'secondary';
    no.textContent = button.dataset.no;
    var yes = document.createElement('button');
    yes.type = 'button';
    yes.className = 'danger';
    yes.id = 'confirm-yes';
    yes.textContent = button.dataset.yes;
    actions.appendChild(no);
    actions.appendChild(yes);
    dialog.appendChild(text);
    dialog.appendChild(actions);
    document.body.appendChild(dialog);
    var done = function (answer) { dialog.close(); dialog.remove(); resolve(answer); };
    no.addEventListener('click', function () { done(false); });
    yes.addEventListener('click', function () { done(true); });
    dialog.addEventListener('cancel', function () { done(false); });
    dialog.showModal();
    no.focus();
  });
}
