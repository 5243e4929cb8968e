// Form editors of the set-up pages: the scorecard (sections, items, weights, scales, critical
// items, automated-QA rules) and the business calendar (weekly hours, duty, holidays and make-up
// workdays on a month grid, the national schedule importable). Each builds the same JSON the
// "advanced" box holds and saves it through the API, which checks it; a refusal is said beside
// the editor and in the status line. Texts come from the page (`#editor-strings`).
var servqText = (function () {
  var island = document.getElementById('editor-strings');
  var strings = island ? JSON.parse(island.textContent) : {};
  return function (key) { return strings[key] || key; };
})();

function servqEl(tag, attributes, children) {
  var el = document.createElement(tag);
  Object.keys(attributes || {}).forEach(function (name) {
    if (name === 'text') { el.textContent = attributes[name]; }
    else if (name === 'checked') { el.checked = attributes[name]; }
    else if (name === 'value') { el.value = attributes[name]; }
    else if (name.indexOf('on') === 0) { el.addEventListener(name.slice(2), attributes[name]); }
    // The Content-Security-Policy (style-src without 'unsafe-inline') drops style attributes,
    // set as an attribute from script too, but not styles set through the CSSOM.
    else if (name === 'style') { el.style.cssText = attributes[name]; }
    else { el.setAttribute(name, attributes[name]); }
  });
  (children || []).forEach(function (child) { el.appendChild(child); });
  return el;
}

// Says each problem of a refused save beside its field. The API answers `errors`:
// [{field, message}], `field` a dotted path into the body as sent (`policy.rules.0.team`); an
// editor marks its inputs with the same path in `data-field` (set while it builds the body, so
// rows moved up or down are numbered as sent). A path with no input of its own is said beside
// the nearest marked part above it (`policy.rules.0`), else in the editor's summary line.
function servqFieldErrors(editor, problem) {
  editor.querySelectorAll('.field-msg').forEach(function (old) { old.remove(); });
  editor.querySelectorAll('[aria-invalid]').forEach(function (input) { input.removeAttribute('aria-invalid'); });
  var unplaced = [];
  (problem.errors || []).forEach(function (error) {
    var path = error.field.split('.');
    var target = null;
    while (path.length && !target) {
      target = editor.querySelector('[data-field="' + path.join('.').replace(/"/g, '') + '"]');
      path.pop();
    }
    if (!target) { unplaced.push(error.message); return; }
    target.setAttribute('aria-invalid', 'true');
    var note = servqEl('span', {class: 'field-msg', role: 'alert', text: error.message});
    var id = 'field-msg-' + Math.random().toString(36).slice(2);
    note.id = id;
    target.setAttribute('aria-describedby', id);
    target.insertAdjacentElement('afterend', note);
  });
  var summary = editor.querySelector('.field-error');
  if (summary) {
    summary.textContent = unplaced.length ? unplaced.join(' ') : ((problem.errors || []).length ? '' : (problem.message || problem.detail || problem.title || ''));
  }
  var first = editor.querySelector('[aria-invalid="true"]');
  if (first && first.focus) { first.focus(); }
}

// Saves `body`; on success goes to `next` (or says "saved"), on refusal marks the fields.
function servqSaveFrom(editor, method, url, body, next) {
  servqRequest(method, url, body).then(function (p) {
    if (p[0]) {
      servqFieldErrors(editor, {});
      if (next) { location.href = next; } else { servqSay(document.getElementById('message').dataset.saved, 'ok'); }
    } else {
      servqFieldErrors(editor, p[1]);
      servqProblem(p[1]);
    }
  });
}

// Moves a row or block up (-1) or down (+1) among its siblings.
function servqMove(node, step) {
  var parent = node.parentNode;
  if (step < 0 && node.previousElementSibling) { parent.insertBefore(node, node.previousElementSibling); }
  if (step > 0 && node.nextElementSibling) { parent.insertBefore(node.nextElementSibling, node); }
}

function servqOrderButtons(node) {
  return [
    servqEl('button', {type: 'button', class: 'secondary small', 'aria-label': servqText('up'), text: '↑', onclick: function () { servqMove(node(), -1); }}),
    servqEl('button', {type: 'button', class: 'secondary small', 'aria-label': servqText('down'), text: '↓', onclick: function () { servqMove(node(), 1); }}),
    servqEl('button', {type: 'button', class: 'danger small', 'aria-label': servqText('remove'), text: '×', onclick: function () { var n = node(); n.parentNode.removeChild(n); }})
  ];
}

// --- the scorecard -------------------------------------------------------------------------

var SERVQ_SCALES = ['binary', 'three_point', 'four_point', 'five_point'];

function servqItemRow(item) {
  var row;
  var scale = servqEl('select', {class: 'item-scale', 'aria-label': servqText('scale')},
    SERVQ_SCALES.map(function (name) {
      var option = servqEl('option', {value: name, text: servqText('scale_' + name)});
      option.selected = item.scale === name;
      return option;
    }));
  row = servqEl('tr', {class: 'card-item'}, [
    servqEl('td', {}, [servqEl('input', {class: 'item-id', size: '10', value: item.id || '', 'aria-label': servqText('item_id'), required: 'required'})]),
    servqEl('td', {}, [servqEl('input', {class: 'item-name', size: '28', value: item.name || '', 'aria-label': servqText('item_name'), required: 'required'})]),
    servqEl('td', {}, [servqEl('input', {class: 'item-weight', type: 'number', min: '0', step: 'any', value: item.weight === undefined ? 10 : item.weight, 'aria-label': servqText('weight'), style: 'width:5rem'})]),
    servqEl('td', {}, [scale]),
    servqEl('td', {}, [servqEl('input', {class: 'item-critical', type: 'checkbox', checked: !!item.critical, 'aria-label': servqText('critical')})]),
    servqEl('td', {}, [servqEl('input', {class: 'item-rules', size: '16', value: (item.rules || []).join(', '), 'aria-label': servqText('rules'), placeholder: servqText('rules_hint')})]),
    servqEl('td', {class: 'actions'}, servqOrderButtons(function () { return row; }))
  ]);
  return row;
}

function servqSectionBlock(section) {
  var block;
  var body = servqEl('tbody', {}, (section.items || []).map(servqItemRow));
  var head = servqEl('tr', {}, ['item_id', 'item_name', 'weight', 'scale', 'critical', 'rules', ''].map(function (key) {
    return servqEl('th', {text: key ? servqText(key) : ''});
  }));
  block = servqEl('fieldset', {class: 'card-section'}, [
    servqEl('legend', {}, [servqEl('input', {class: 'section-name', size: '24', value: section.name || '', 'aria-label': servqText('section_name'), required: 'required'})]
      .concat(servqOrderButtons(function () { return block; }))),
    servqEl('div', {class: 'table-scroll', tabindex: '0'}, [servqEl('table', {class: 'plain'}, [servqEl('thead', {}, [head]), body])]),
    servqEl('button', {type: 'button', class: 'secondary add-item', text: '+ ' + servqText('add_item'), onclick: function () {
      body.appendChild(servqItemRow({scale: 'five_point', weight: 10}));
      body.lastElementChild.querySelector('.item-id').focus();
    }})
  ]);
  return block;
}

function servqCardFromForm(editor) {
  var split = function (text) { return text.split(/[,，、;\s]+/).map(function (r) { return r.trim(); }).filter(Boolean); };
  return {
    name: editor.querySelector('#card-name').value.trim(),
    sections: Array.from(editor.querySelectorAll('.card-section')).map(function (block) {
      return {
        name: block.querySelector('.section-name').value.trim(),
        items: Array.from(block.querySelectorAll('.card-item')).map(function (row) {
          return {
            id: row.querySelector('.item-id').value.trim(),
            name: row.querySelector('.item-name').value.trim(),
            weight: Number(row.querySelector('.item-weight').value),
            scale: row.querySelector('.item-scale').value,
            critical: row.querySelector('.item-critical').checked,
            rules: split(row.querySelector('.item-rules').value)
          };
        })
      };
    })
  };
}

function servqScorecardEditor(editor) {
  var card = JSON.parse(document.getElementById(editor.dataset.source).textContent);
  var sections = servqEl('div', {class: 'card-sections'}, card.sections.map(servqSectionBlock));
  var total = servqEl('span', {id: 'card-total'});
  var recount = function () {
    var sum = 0;
    editor.querySelectorAll('.item-weight').forEach(function (input) { sum += Number(input.value) || 0; });
    total.textContent = servqText('total_weight') + ': ' + sum;
  };
  editor.appendChild(servqEl('p', {}, [servqEl('label', {text: servqText('card_name') + ' '}, [servqEl('input', {id: 'card-name', size: '30', value: card.name, required: 'required'})])]));
  editor.appendChild(sections);
  editor.appendChild(servqEl('p', {}, [
    servqEl('button', {type: 'button', class: 'secondary', id: 'add-section', text: '+ ' + servqText('add_section'), onclick: function () {
      sections.appendChild(servqSectionBlock({name: '', items: [{scale: 'five_point', weight: 10}]}));
    }}), document.createTextNode(' '), total]));
  editor.appendChild(servqEl('p', {class: 'field-error', role: 'alert'}));
  editor.appendChild(servqEl('p', {}, [servqEl('button', {type: 'button', id: 'save-card-form', text: servqText('save'), onclick: function () {
    servqSaveFrom(editor, 'PUT', editor.dataset.url, servqCardFromForm(editor), location.pathname);
  }})]));
  editor.addEventListener('input', recount);
  editor.addEventListener('click', function () { setTimeout(recount, 0); });
  recount();
}

// --- the business calendar -------------------------------------------------------------------

function servqIsoDate(date) {
  var pad = function (n) { return (n < 10 ? '0' : '') + n; };
  return date.getFullYear() + '-' + pad(date.getMonth() + 1) + '-' + pad(date.getDate());
}

function servqCalendarEditor(editor) {
  var spec = JSON.parse(document.getElementById(editor.dataset.source).textContent);
  var schedules = JSON.parse(document.getElementById(editor.dataset.schedules).textContent);
  var holidays = new Set(spec.holidays || []);
  var workdays = new Set(spec.workdays || []);
  var lang = document.documentElement.lang;
  var weekdayName = function (index) {
    // 2024-01-01 was a Monday
    return new Intl.DateTimeFormat(lang, {weekday: 'short'}).format(new Date(2024, 0, 1 + index));
  };
  var spans = function (text) { return text.split(/[,，;\s]+/).map(function (s) { return s.trim(); }).filter(Boolean); };
  var weekRows = spec.week.map(function (day, index) {
    return servqEl('tr', {'data-day': String(index)}, [
      servqEl('td', {text: weekdayName(index)}),
      servqEl('td', {}, [servqEl('input', {class: 'cal-hours', size: '28', value: day.join(', '), placeholder: servqText('closed'), 'aria-label': weekdayName(index)})])
    ]);
  });
  var today = new Date();
  var shown = new Date(today.getFullYear(), today.getMonth(), 1);
  var grid = servqEl('div', {class: 'month-grid', id: 'cal-grid'});
  var title = servqEl('strong', {id: 'cal-month'});
  var counts = servqEl('p', {class: 'muted', id: 'cal-counts'});
  var openOn = function (date) {
    var day = (date.getDay() + 6) % 7;
    return spans(weekRows[day].querySelector('.cal-hours').value).length > 0;
  };
  var draw = function () {
    title.textContent = new Intl.DateTimeFormat(lang, {year: 'numeric', month: 'long'}).format(shown);
    grid.textContent = '';
    for (var i = 0; i < 7; i++) { grid.appendChild(servqEl('span', {class: 'dow', text: weekdayName(i)})); }
    var first = (shown.getDay() + 6) % 7;
    for (var b = 0; b < first; b++) { grid.appendChild(servqEl('span', {class: 'blank'})); }
    var days = new Date(shown.getFullYear(), shown.getMonth() + 1, 0).getDate();
    for (var d = 1; d <= days; d++) {
      var date = new Date(shown.getFullYear(), shown.getMonth(), d);
      var iso = servqIsoDate(date);
      var state = holidays.has(iso) ? 'holiday' : workdays.has(iso) ? 'workday' : openOn(date) ? 'open' : 'closed';
      grid.appendChild(servqEl('button', {type: 'button', class: 'day ' + state, 'data-date': iso, 'aria-pressed': String(state === 'holiday' || state === 'workday'),
        title: servqText('day_' + state), text: String(d), onclick: function (event) {
          var key = event.currentTarget.dataset.date;
          // a click cycles: as the week says → holiday → make-up workday → as the week says
          if (holidays.has(key)) { holidays.delete(key); workdays.add(key); }
          else if (workdays.has(key)) { workdays.delete(key); }
          else { holidays.add(key); }
          draw();
        }}));
    }
    counts.textContent = servqText('counts').replace('{h}', holidays.size).replace('{w}', workdays.size);
  };
  var year = servqEl('select', {id: 'cal-year', 'aria-label': servqText('import_year')}, Object.keys(schedules).map(function (y) {
    var option = servqEl('option', {value: y, text: y});
    option.selected = Number(y) === today.getFullYear();
    return option;
  }));
  editor.appendChild(servqEl('p', {}, [servqEl('label', {text: servqText('time_zone') + ' '}, [servqEl('input', {id: 'cal-zone', size: '20', value: spec.time_zone, required: 'required'})])]));
  editor.appendChild(servqEl('h3', {text: servqText('week')}));
  editor.appendChild(servqEl('p', {class: 'muted', text: servqText('week_hint')}));
  editor.appendChild(servqEl('table', {class: 'plain', id: 'cal-week'}, [servqEl('tbody', {}, weekRows)]));
  editor.appendChild(servqEl('p', {}, [servqEl('label', {text: servqText('duty') + ' '}, [servqEl('input', {id: 'cal-duty', size: '28', value: (spec.duty || []).join(', '), placeholder: servqText('none')})])]));
  editor.appendChild(servqEl('h3', {text: servqText('days')}));
  editor.appendChild(servqEl('p', {class: 'muted', text: servqText('days_hint')}));
  editor.appendChild(servqEl('p', {class: 'month-nav'}, [
    servqEl('button', {type: 'button', class: 'secondary small', id: 'cal-previous', 'aria-label': servqText('previous_month'), text: '‹', onclick: function () { shown = new Date(shown.getFullYear(), shown.getMonth() - 1, 1); draw(); }}),
    document.createTextNode(' '), title, document.createTextNode(' '),
    servqEl('button', {type: 'button', class: 'secondary small', id: 'cal-next', 'aria-label': servqText('next_month'), text: '›', onclick: function () { shown = new Date(shown.getFullYear(), shown.getMonth() + 1, 1); draw(); }})]));
  editor.appendChild(grid);
  editor.appendChild(servqEl('p', {class: 'legend'}, ['open', 'closed', 'holiday', 'workday'].map(function (state) {
    return servqEl('span', {class: 'day ' + state, text: servqText('day_' + state)});
  })));
  editor.appendChild(counts);
  editor.appendChild(servqEl('p', {}, [servqEl('label', {text: servqText('import') + ' '}, [year]), document.createTextNode(' '),
    servqEl('button', {type: 'button', class: 'secondary', id: 'cal-import', text: servqText('import_button'), onclick: function () {
      var chosen = schedules[year.value];
      chosen.holidays.forEach(function (d) { holidays.add(d); workdays.delete(d); });
      chosen.workdays.forEach(function (d) { workdays.add(d); holidays.delete(d); });
      shown = new Date(Number(year.value), 0, 1);
      draw();
    }})]));
  editor.appendChild(servqEl('p', {class: 'field-error', role: 'alert'}));
  editor.appendChild(servqEl('p', {}, [servqEl('button', {type: 'button', id: 'save-calendar-form', text: servqText('save'), onclick: function () {
    var body = {calendar: {
      time_zone: editor.querySelector('#cal-zone').value.trim(),
      week: weekRows.map(function (row) { return spans(row.querySelector('.cal-hours').value); }),
      holidays: Array.from(holidays).sort(),
      workdays: Array.from(workdays).sort(),
      duty: spans(editor.querySelector('#cal-duty').value)
    }};
    servqSaveFrom(editor, 'PUT', editor.dataset.url, body, location.pathname);
  }})]));
  editor.addEventListener('input', function (event) { if (event.target.classList.contains('cal-hours')) { draw(); } });
  draw();
}


// --- the evaluation model --------------------------------------------------------------------
// Dimensions of weighted measures (a metric scored 0 at one anchor and 100 at the other), the
// grades by composite; saved as a new version through PUT /api/v1/evaluation/model. The metric
// list comes from the page (`#model-metrics`: [{name, label}]).

var SERVQ_PERSPECTIVES = ['', 'customer', 'process', 'learning_growth', 'financial'];

function servqMeasureRow(measure, metrics) {
  var row;
  var metric = servqEl('select', {class: 'measure-metric', 'aria-label': servqText('model_metric')},
    metrics.map(function (m) {
      var option = servqEl('option', {value: m.name, text: m.label});
      option.selected = m.name === measure.metric;
      return option;
    }));
  var perspective = servqEl('select', {class: 'measure-perspective', 'aria-label': servqText('model_perspective')},
    SERVQ_PERSPECTIVES.map(function (name) {
      var option = servqEl('option', {value: name, text: name ? servqText('perspective_' + name) : '—'});
      option.selected = (measure.perspective || '') === name;
      return option;
    }));
  var number = function (cls, value, label) {
    return servqEl('input', {class: cls, type: 'number', step: 'any', value: value === undefined ? '' : value, 'aria-label': servqText(label), style: 'width:6rem'});
  };
  row = servqEl('tr', {class: 'model-measure'}, [
    servqEl('td', {}, [metric]),
    servqEl('td', {}, [number('measure-weight', measure.weight === undefined ? 1 : measure.weight, 'weight')]),
    servqEl('td', {}, [number('measure-zero', measure.zero_at, 'model_zero_at')]),
    servqEl('td', {}, [number('measure-full', measure.full_at, 'model_full_at')]),
    servqEl('td', {}, [perspective]),
    servqEl('td', {class: 'actions'}, servqOrderButtons(function () { return row; }))
  ]);
  return row;
}

function servqDimensionBlock(dimension, metrics) {
  var block;
  var body = servqEl('tbody', {}, (dimension.measures || []).map(function (m) { return servqMeasureRow(m, metrics); }));
  var head = servqEl('tr', {}, ['model_metric', 'weight', 'model_zero_at', 'model_full_at', 'model_perspective', ''].map(function (key) {
    return servqEl('th', {class: 'name', text: key ? servqText(key) : ''});
  }));
  var names = dimension.names || {};
  var nameInput = function (lang) {
    return servqEl('label', {text: lang + ' '}, [servqEl('input', {class: 'dimension-name', 'data-lang': lang, size: '18', value: names[lang] || ''})]);
  };
  block = servqEl('fieldset', {class: 'model-dimension'}, [
    servqEl('legend', {}, [
      servqEl('input', {class: 'dimension-id', size: '18', value: dimension.id || '', 'aria-label': servqText('model_dimension_id'), required: 'required'}),
      document.createTextNode(' ' + servqText('weight') + ' '),
      servqEl('input', {class: 'dimension-weight', type: 'number', step: 'any', value: dimension.weight === undefined ? 10 : dimension.weight, 'aria-label': servqText('weight'), style: 'width:5rem'})
    ].concat(servqOrderButtons(function () { return block; }))),
    servqEl('p', {}, [nameInput('zh-CN'), document.createTextNode(' '), nameInput('zh-TW'), document.createTextNode(' '), nameInput('en')]),
    servqEl('div', {class: 'table-scroll full', tabindex: '0'}, [servqEl('table', {class: 'plain'}, [servqEl('thead', {}, [head]), body])]),
    servqEl('button', {type: 'button', class: 'secondary add-measure', text: '+ ' + servqText('model_add_measure'), onclick: function () {
      body.appendChild(servqMeasureRow({weight: 1}, metrics));
    }})
  ]);
  return block;
}

function servqGradeRow(grade) {
  var row;
  row = servqEl('tr', {class: 'model-grade'}, [
    servqEl('td', {}, [servqEl('input', {class: 'grade-name', size: '8', value: grade.grade || '', 'aria-label': servqText('model_grade')})]),
    servqEl('td', {}, [servqEl('input', {class: 'grade-min', type: 'number', step: 'any', min: '0', max: '100', value: grade.min === undefined ? '' : grade.min, 'aria-label': servqText('model_grade_min'), style: 'width:6rem'})]),
    servqEl('td', {class: 'actions'}, servqOrderButtons(function () { return row; }))
  ]);
  return row;
}

// The model as sent, marking each input with its path for servqFieldErrors.
function servqModelFromForm(editor) {
  var mark = function (el, path) { el.setAttribute('data-field', path); return el; };
  var number = function (el, path) { mark(el, path); return el.value === '' ? NaN : Number(el.value); };
  return {
    name: mark(editor.querySelector('#model-name'), 'name').value.trim(),
    effective_from: mark(editor.querySelector('#model-from'), 'effective_from').value,
    dimensions: Array.from(editor.querySelectorAll('.model-dimension')).map(function (block, d) {
      var names = {};
      block.querySelectorAll('.dimension-name').forEach(function (input) {
        if (input.value.trim()) { names[input.dataset.lang] = input.value.trim(); }
      });
      mark(block.querySelector('legend'), 'dimensions.' + d);
      return {
        id: mark(block.querySelector('.dimension-id'), 'dimensions.' + d + '.id').value.trim(),
        weight: number(block.querySelector('.dimension-weight'), 'dimensions.' + d + '.weight'),
        names: names,
        measures: Array.from(block.querySelectorAll('.model-measure')).map(function (row, m) {
          var at = 'dimensions.' + d + '.measures.' + m + '.';
          var measure = {
            metric: mark(row.querySelector('.measure-metric'), at + 'metric').value,
            weight: number(row.querySelector('.measure-weight'), at + 'weight'),
            zero_at: number(row.querySelector('.measure-zero'), at + 'zero_at'),
            full_at: number(row.querySelector('.measure-full'), at + 'full_at')
          };
          var perspective = row.querySelector('.measure-perspective').value;
          if (perspective) { measure.perspective = perspective; }
          return measure;
        })
      };
    }),
    grades: Array.from(editor.querySelectorAll('.model-grade')).map(function (row, g) {
      mark(row.querySelector('.grade-name'), 'grades.' + g + '.grade');
      return {grade: row.querySelector('.grade-name').value.trim(), min: number(row.querySelector('.grade-min'), 'grades.' + g + '.min')};
    })
  };
}

function servqModelEditor(editor) {
  var model = JSON.parse(document.getElementById(editor.dataset.source).textContent);
  var metrics = JSON.parse(document.getElementById('model-metrics').textContent);
  var dimensions = servqEl('div', {class: 'model-dimensions'}, model.dimensions.map(function (d) { return servqDimensionBlock(d, metrics); }));
  var grades = servqEl('tbody', {}, model.grades.map(servqGradeRow));
  editor.appendChild(servqEl('p', {}, [
    servqEl('label', {text: servqText('model_name') + ' '}, [servqEl('input', {id: 'model-name', size: '30', value: model.name, required: 'required'})]),
    document.createTextNode(' '),
    servqEl('label', {text: servqText('model_effective_from') + ' '}, [servqEl('input', {id: 'model-from', type: 'date', value: editor.dataset.today, min: editor.dataset.today, required: 'required'})])
  ]));
  editor.appendChild(dimensions);
  editor.appendChild(servqEl('p', {}, [servqEl('button', {type: 'button', class: 'secondary', id: 'add-dimension', text: '+ ' + servqText('model_add_dimension'), onclick: function () {
    dimensions.appendChild(servqDimensionBlock({id: '', weight: 10, measures: [{weight: 1}]}, metrics));
  }})]));
  editor.appendChild(servqEl('h3', {text: servqText('model_grades')}));
  editor.appendChild(servqEl('div', {class: 'table-scroll full', tabindex: '0'}, [servqEl('table', {class: 'plain', id: 'model-grades', 'data-field': 'grades'}, [
    servqEl('thead', {}, [servqEl('tr', {}, ['model_grade', 'model_grade_min', ''].map(function (key) { return servqEl('th', {text: key ? servqText(key) : ''}); }))]),
    grades])]));
  editor.appendChild(servqEl('p', {}, [servqEl('button', {type: 'button', class: 'secondary', id: 'add-grade', text: '+ ' + servqText('model_add_grade'), onclick: function () {
    grades.appendChild(servqGradeRow({}));
  }})]));
  editor.appendChild(servqEl('p', {class: 'field-error', role: 'alert'}));
  editor.appendChild(servqEl('p', {}, [servqEl('button', {type: 'button', id: 'save-model', text: servqText('save'), onclick: function () {
    var model = servqModelFromForm(editor);
    // an empty number box would reach the server as null: say so beside it instead
    var empty = Array.from(editor.querySelectorAll('input[type=number][data-field]')).filter(function (input) { return input.value === ''; });
    if (empty.length) {
      servqFieldErrors(editor, {errors: empty.map(function (input) { return {field: input.dataset.field, message: servqText('model_required')}; })});
      return;
    }
    servqSaveFrom(editor, 'PUT', editor.dataset.url, model, editor.dataset.next);
  }})]));
}

document.querySelectorAll('[data-editor="scorecard"]').forEach(servqScorecardEditor);
document.querySelectorAll('[data-editor="model"]').forEach(servqModelEditor);
document.querySelectorAll('[data-editor="calendar"]').forEach(servqCalendarEditor);
