// The desk ledgers' and the risk register's forms (served as /assets/ledgers.js; docs/ledgers.md,
// docs/risks.md): a form marked data-action="ledger" (or "json-form") is sent as JSON to its
// data-url — checkboxes as true/false (those marked data-each as the list of the checked ones'
// values), a textarea marked data-lines as a list of its non-empty lines, number inputs and fields
// marked data-number as numbers, a photo input as a JPEG data URL (large phone photos scaled down
// first), a signature pad as a PNG data URL, a container marked data-rows="NAME" as a list of one
// object per .form-row child (its fields named by data-key), a container marked
// data-items="NAME" as the list of its [data-item] fields' values — and on success the page goes to
// data-next with {id} replaced by the new entry's id (or reloads).
// Signature pads are canvases of class signature-pad drawn with a finger, pen or mouse. Needs
// editors.js (servqFieldErrors) loaded before it.

// The longest side of a photo kept, in pixels: enough to recognise a wallet, small to store.
var SERVQ_PHOTO_SIDE = 1280;

// A photo file as a JPEG data URL no larger than SERVQ_PHOTO_SIDE on its longest side.
function servqPhotoData(file) {
  return new Promise(function (resolve, reject) {
    var reader = new FileReader();
    reader.onerror = function () { reject(reader.error); };
    reader.onload = function () {
      var img = new Image();
      img.onerror = function () { reject(new Error('not an image')); };
      img.onload = function () {
        var scale = Math.min(1, SERVQ_PHOTO_SIDE / Math.max(img.width, img.height));
        var canvas = document.createElement('canvas');
        canvas.width = Math.round(img.width * scale);
        canvas.height = Math.round(img.height * scale);
        canvas.getContext('2d').drawImage(img, 0, 0, canvas.width, canvas.height);
        resolve(canvas.toDataURL('image/jpeg', 0.85));
      };
      img.src = reader.result;
    };
    reader.readAsDataURL(file);
  });
}

// The JSON body of a ledger form.
function servqLedgerBody(form) {
  var body = {};
  var waits = [];
  Array.prototype.forEach.call(form.elements, function (field) {
    if (!field.name || field.disabled) { return; }
    if (field.type === 'checkbox' && field.dataset.each !== undefined) {
      body[field.name] = body[field.name] || [];
      if (field.checked) { body[field.name].push(servqFormValue(field)); }
      return;
    }
    if (field.type === 'checkbox') { body[field.name] = field.checked; return; }
    if (field.type === 'radio') { if (field.checked) { body[field.name] = servqFormValue(field); } return; }
    if (field.type === 'file') {
      if (field.files.length) {
        waits.push(servqPhotoData(field.files[0]).then(function (data) { body[field.name] = data; }));
      }
      return;
    }
    if (field.dataset.lines !== undefined) {
      body[field.name] = field.value.split(/\r?\n/).map(function (line) { return line.trim(); })
        .filter(function (line) { return line !== ''; });
      return;
    }
    body[field.name] = servqFormValue(field);
  });
  form.querySelectorAll('[data-items]').forEach(function (list) {
    var name = list.dataset.items;
    body[name] = [];
    list.querySelectorAll('[data-item]').forEach(function (field, index) {
      field.dataset.field = name + '.' + index;
      body[name].push(servqFormValue(field));
    });
  });
  form.querySelectorAll('[data-rows]').forEach(function (rows) {
    var name = rows.dataset.rows;
    body[name] = [];
    rows.querySelectorAll('.form-row').forEach(function (row, index) {
      var item = {};
      row.querySelectorAll('[data-key]').forEach(function (field) {
        // where a refusal of this row's field is shown (e.g. steps.2.role)
        field.dataset.field = name + '.' + index + '.' + field.dataset.key;
        item[field.dataset.key] = servqFormValue(field);
      });
      body[name].push(item);
    });
  });
  form.querySelectorAll('canvas.signature-pad').forEach(function (pad) {
    body[pad.dataset.name] = pad.dataset.signed === '1' ? pad.toDataURL('image/png') : '';
  });
  return Promise.all(waits).then(function () { return body; });
}

// A field's value: a number (null when empty) for number inputs and fields marked data-number.
function servqFormValue(field) {
  if (field.type === 'number' || field.dataset.number !== undefined) {
    return field.value === '' ? null : Number(field.value);
  }
  return field.value;
}

// A refusal shown where a person at the counter looks: each reason right under its field
// (servqFieldErrors of editors.js, the fields marked by their names), the first one brought into
// view, the summary in the status line as everywhere.
function servqLedgerProblem(form, problem) {
  Array.prototype.forEach.call(form.elements, function (field) {
    if (field.name && !field.dataset.field) { field.dataset.field = field.name; }
  });
  form.querySelectorAll('canvas.signature-pad').forEach(function (pad) { pad.dataset.field = pad.dataset.name; });
  // the summary goes at the top of the form, where the clerk is looking (the page's status line
  // at the bottom of a phone would cover the button)
  var summary = form.querySelector('.field-error');
  if (!summary) {
    summary = document.createElement('p');
    summary.className = 'field-error';
    summary.setAttribute('role', 'alert');
    form.insertBefore(summary, form.firstChild);
  }
  servqFieldErrors(form, problem);
  if (!summary.textContent) { summary.textContent = problem.message || problem.detail || problem.title || ''; }
  var first = form.querySelector('[aria-invalid="true"]') || summary;
  first.scrollIntoView({block: 'center'});
}

// Typing in a refused field takes its message away: what stays red is what is still wrong.
document.addEventListener('input', function (event) {
  var field = event.target;
  if (!field.closest || !field.closest('form[data-action="ledger"], form[data-action="json-form"]') || !field.dataset.field) { return; }
  field.removeAttribute('aria-invalid');
  var holder = field.closest('label, fieldset, .signature') || field.parentNode;
  holder.querySelectorAll('.field-msg').forEach(function (note) { note.remove(); });
});

servqSubmitActions.ledger = function (form) {
  servqLastForm = form;
  var button = form.querySelector('button[type=submit]');
  if (button) { button.disabled = true; }
  servqLedgerBody(form).then(function (body) {
    return servqRequest(form.dataset.method || 'POST', form.dataset.url, body);
  }).then(function (p) {
    if (button) { button.disabled = false; }
    if (!p[0]) { servqLedgerProblem(form, p[1]); return; }
    var next = form.dataset.next;
    if (next) {
      location.href = next.replace('{id}', encodeURIComponent(p[1].entry_id || p[1].id || ''));
    } else {
      try { sessionStorage.setItem(SERVQ_SAVED_KEY, '1'); } catch (e) { /* no note then */ }
      location.reload();
    }
  }, function (error) {
    if (button) { button.disabled = false; }
    servqSay(error.message, 'error');
  });
};

servqSubmitActions['json-form'] = servqSubmitActions.ledger;

// A row more in the list data-target names: a copy of its last .form-row, emptied.
servqClickActions['add-row'] = function (el) {
  var rows = document.getElementById(el.dataset.target);
  var all = rows.querySelectorAll('.form-row');
  var last = all[all.length - 1];
  var copy = last.cloneNode(true);
  copy.querySelectorAll('input, textarea').forEach(function (field) { field.value = ''; field.removeAttribute('aria-invalid'); });
  copy.querySelectorAll('.field-msg').forEach(function (note) { note.remove(); });
  last.insertAdjacentElement('afterend', copy);
  var first = copy.querySelector('input, select, textarea');
  if (first) { first.focus(); }
};

// Takes a row out of its list (the last one stays, emptied).
servqClickActions['remove-row'] = function (el) {
  var row = el.closest('.form-row');
  if (row.parentNode.querySelectorAll('.form-row').length > 1) { row.remove(); return; }
  row.querySelectorAll('input, textarea').forEach(function (field) { field.value = ''; });
};

// Clears the signature pad named by data-target.
servqClickActions['signature-clear'] = function (el) {
  var pad = document.getElementById(el.dataset.target);
  pad.getContext('2d').clearRect(0, 0, pad.width, pad.height);
  pad.dataset.signed = '';
};

// Drawing on a signature pad: pointer events cover finger, pen and mouse alike.
(function () {
  var drawing = null;
  function point(pad, event) {
    var box = pad.getBoundingClientRect();
    return [(event.clientX - box.left) * pad.width / box.width,
      (event.clientY - box.top) * pad.height / box.height];
  }
  document.addEventListener('pointerdown', function (event) {
    var pad = event.target.closest ? event.target.closest('canvas.signature-pad') : null;
    if (!pad) { return; }
    event.preventDefault();
    pad.setPointerCapture(event.pointerId);
    var context = pad.getContext('2d');
    context.lineWidth = 3;
    context.lineCap = 'round';
    context.lineJoin = 'round';
    context.strokeStyle = '#111';
    var at = point(pad, event);
    context.beginPath();
    context.moveTo(at[0], at[1]);
    drawing = pad;
  });
  document.addEventListener('pointermove', function (event) {
    if (!drawing) { return; }
    var at = point(drawing, event);
    var context = drawing.getContext('2d');
    context.lineTo(at[0], at[1]);
    context.stroke();
    drawing.dataset.signed = '1';
  });
  ['pointerup', 'pointercancel'].forEach(function (name) {
    document.addEventListener(name, function () { drawing = null; });
  });
}());

// A lendable item (/ledgers/settings): its code is the URL's last part.
servqSubmitActions['ledger-item'] = function (f) {
  servqSend('PUT', '/api/v1/ledgers/items/' + encodeURIComponent(f.querySelector('#item-code').value.trim()),
    {item_type: f.item_type.value, condition: f.condition.value, note: f.note.value}, true);
};

// A medicine of the kit (/ledgers/settings).
servqSubmitActions['ledger-stock'] = function (f) {
  servqSend('PUT', '/api/v1/ledgers/medicine-stock/' + encodeURIComponent(f.querySelector('#stock-medicine').value.trim()),
    {quantity: Number(f.quantity.value), min_quantity: Number(f.min_quantity.value || 0), expires_on: f.expires_on.value}, true);
};

// Each ledger's retention (/ledgers/settings): fields named LEDGER.retention_days / .legal_basis.
servqSubmitActions['ledger-retention'] = function (f) {
  var rules = {};
  f.querySelectorAll('fieldset[data-ledger]').forEach(function (set) {
    var name = set.dataset.ledger;
    rules[name] = {
      retention_days: Number(set.querySelector('[name="' + name + '.retention_days"]').value),
      legal_basis: set.querySelector('[name="' + name + '.legal_basis"]').value
    };
  });
  servqSend('PUT', f.dataset.url, rules, true);
};

// The purge's answer in the table under the form.
function servqShowPurge(report) {
  Object.keys(report.ledgers).forEach(function (name) {
    var row = document.querySelector('#purge-result tr[data-ledger="' + CSS.escape(name) + '"]');
    if (!row) { return; }
    row.querySelector('.days').textContent = report.ledgers[name].retention_days;
    row.querySelector('.purged').textContent = report.ledgers[name].purged;
    row.querySelector('.kept').textContent = report.ledgers[name].kept;
  });
  document.getElementById('purge-result-box').hidden = false;
}

function servqPurge(form, dryRun) {
  var body = {as_of: form.as_of.value || null, dry_run: dryRun};
  servqRequest('POST', form.dataset.url, body).then(function (p) {
    if (!p[0]) { servqProblem(p[1]); return; }
    servqShowPurge(p[1]);
  });
}

servqClickActions['ledger-purge-preview'] = function (el) { servqPurge(el.form, true); };
servqSubmitActions['ledger-purge'] = function (f) {
  servqConfirmed(f, function () { servqPurge(f, false); });
};
