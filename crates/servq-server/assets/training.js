// The course editor (/training/new, /training/{id}/edit; served as /assets/training.js): the
// course's fields and its exam's questions, filled from data-course; a question is added from
// the template of its kind, removed, edited in place; saving sends the whole course. Options are
// one a line; the right answer is their numbers from 1 (`1,3`), or 对/错 (true/false, T/F).
(function () {
  var form = document.getElementById('course-form');
  if (!form) { return; }
  var course = JSON.parse(form.dataset.course);
  var list = document.getElementById('question-editor');
  var template = document.getElementById('question-template');
  var kindSelect = document.getElementById('new-question-kind');
  var save = document.getElementById('save-course');
  var label = function (kind) {
    var option = kindSelect.querySelector('option[value="' + kind + '"]');
    return option ? option.textContent : kind;
  };
  document.getElementById('course-id').value = course.id;
  document.getElementById('course-title').value = course.title;
  document.getElementById('course-description').value = course.description;
  document.getElementById('course-pass').value = course.pass_mark;
  document.getElementById('course-attempts').value = course.max_attempts;
  document.getElementById('course-qa-items').value = (course.qa_items || []).join(';');
  document.getElementById('course-items').value = (course.items || []).map(function (i) { return i.kind + ':' + i.id; }).join('\n');
  var add = function (q) {
    var item = template.content.firstElementChild.cloneNode(true);
    item.dataset.kind = q.kind;
    item.querySelector('.kind').textContent = label(q.kind);
    item.querySelector('.q-points').value = q.points || 1;
    item.querySelector('.q-prompt').value = q.prompt || '';
    var choice = q.kind === 'single' || q.kind === 'multiple';
    item.querySelector('.q-options-line').hidden = !choice;
    item.querySelector('.q-options').value = (q.options || []).join('\n');
    item.querySelector('.q-answer-line').hidden = q.kind === 'short';
    item.querySelector('.q-answer-note').textContent = q.kind === 'true_false' ? save.dataset.tfNote : save.dataset.choiceNote;
    item.querySelector('.q-answer').value = q.kind === 'true_false'
      ? ((q.answer || [])[0] === 1 ? '对' : (q.answer || []).length ? '错' : '')
      : (q.answer || []).map(function (a) { return a + 1; }).join(',');
    item.querySelector('.q-model-line').hidden = q.kind !== 'short';
    item.querySelector('.q-model').value = q.model_answer || '';
    item.querySelector('.q-remove').addEventListener('click', function () { item.remove(); });
    list.appendChild(item);
  };
  (course.questions || []).forEach(add);
  document.getElementById('add-question').addEventListener('click', function () {
    add({kind: kindSelect.value, points: 1});
  });
  var answerOf = function (kind, text) {
    text = text.trim();
    if (kind === 'short') { return []; }
    if (kind === 'true_false') {
      if (/^(对|對|是|t|true|y|yes|1)$/i.test(text)) { return [1]; }
      if (/^(错|錯|否|f|false|n|no|0)$/i.test(text)) { return [0]; }
      return [];
    }
    return text.split(/[,，、\s]+/).filter(function (s) { return s !== ''; }).map(function (s) { return Number(s) - 1; });
  };
  save.addEventListener('click', function () {
    var id = document.getElementById('course-id').value.trim();
    var questions = Array.prototype.map.call(list.children, function (item) {
      var kind = item.dataset.kind;
      return {
        kind: kind,
        prompt: item.querySelector('.q-prompt').value,
        options: kind === 'single' || kind === 'multiple'
          ? item.querySelector('.q-options').value.split('\n').map(function (s) { return s.trim(); }).filter(function (s) { return s !== ''; })
          : [],
        answer: answerOf(kind, item.querySelector('.q-answer').value),
        model_answer: item.querySelector('.q-model').value,
        points: Number(item.querySelector('.q-points').value)
      };
    });
    var items = document.getElementById('course-items').value.split('\n').map(function (line) { return line.trim(); })
      .filter(function (line) { return line !== ''; }).map(function (line) {
        var at = line.indexOf(':');
        return at < 0 ? {kind: 'article', id: line} : {kind: line.slice(0, at).trim(), id: line.slice(at + 1).trim()};
      });
    servqLastForm = form;
    servqSend('PUT', save.dataset.url + encodeURIComponent(id), {
      title: document.getElementById('course-title').value,
      description: document.getElementById('course-description').value,
      items: items,
      questions: questions,
      pass_mark: Number(document.getElementById('course-pass').value),
      max_attempts: Number(document.getElementById('course-attempts').value || 0),
      qa_items: servqFieldValue(document.getElementById('course-qa-items'))
    }, '/training/' + encodeURIComponent(id));
  });
})();
