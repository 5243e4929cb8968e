// The reply composer of the ticket page: a canned reply (filled in for this ticket by the server)
// goes into the text box; whatever the box holds is checked against the centre's forbidden
// phrases as it is written (POST /api/v1/reply-check). Found phrases are listed above the
// buttons, and "reply" and "resolve" then ask before sending — a warning, never a block.
(function () {
  var note = document.getElementById('note');
  var warnings = document.getElementById('reply-warnings');
  if (!note || !warnings) { return; }
  var buttons = ['action-reply', 'action-resolve'].map(function (id) { return document.getElementById(id); })
    .filter(Boolean);
  var show = function (phrases) {
    warnings.textContent = '';
    if (!phrases.length) {
      warnings.hidden = true;
      buttons.forEach(function (button) { delete button.dataset.confirm; });
      return;
    }
    var title = document.createElement('p');
    title.textContent = warnings.dataset.title;
    var list = document.createElement('ul');
    list.id = 'forbidden-phrases';
    phrases.forEach(function (phrase) {
      var item = document.createElement('li');
      item.textContent = phrase;
      list.appendChild(item);
    });
    warnings.appendChild(title);
    warnings.appendChild(list);
    warnings.hidden = false;
    buttons.forEach(function (button) {
      button.dataset.confirm = warnings.dataset.confirmText + ' ' + phrases.join('、');
      button.dataset.yes = warnings.dataset.yes;
      button.dataset.no = warnings.dataset.no;
    });
  };
  var sent = 0;
  var check = function () {
    var serial = ++sent;
    if (!note.value.trim()) { show([]); return; }
    servqRequest('POST', note.dataset.checkUrl, {text: note.value}).then(function (p) {
      // only the answer to the latest text counts
      if (serial === sent && p[0]) { show(p[1].forbidden || []); }
    });
  };
  var timer = null;
  note.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(check, 300);
  });
  var canned = document.getElementById('canned-select');
  if (canned) {
    canned.addEventListener('change', function () {
      var option = canned.options[canned.selectedIndex];
      if (!option || !option.dataset.text) { return; }
      note.value = note.value.trim() ? note.value.replace(/\s+$/, '') + '\n' + option.dataset.text : option.dataset.text;
      canned.selectedIndex = 0;
      note.focus();
      check();
    });
  }
})();
