// Form editors of the quality and survey set-up pages: the automated-QA rule set (forbidden and
// required phrases; the interruption, silence and over-talk checks), the survey template
// (questions in order, each kind once, a stage rating once per stage) and the survey dispatch
// rules. Each builds the body the "advanced" box holds and saves it through the API, which checks
// it; a refused save is said beside the field at fault: every input gets its path into the body
// as sent (`data-field`) while the body is built, so moved rows are numbered as sent. Uses the
// helpers of editors.js (loaded first); texts come from the page (`#editor-strings`).

// A visible label around its control.
function servqSetupLabel(text, control) {
  return servqEl('label', {class: 'setup-field', style: 'display:inline-block;margin:0 1rem .5rem 0;vertical-align:top', text: text + ' '}, [control]);
}

// A select of `values`, each shown as `label(value)`.
function servqSetupChoice(values, current, label, attributes) {
  return servqEl('select', attributes, values.map(function (value) {
    var option = servqEl('option', {value: value, text: label(value)});
    option.selected = value === current;
    return option;
  }));
}

function servqSetupNumberInput(className, value, attributes) {
  var input = servqEl('input', {class: className, type: 'number', min: '0', step: '1', style: 'width:6rem',
    value: value === undefined || value === null ? '' : String(value)});
  Object.keys(attributes || {}).forEach(function (name) { input.setAttribute(name, attributes[name]); });
  return input;
}

// An empty number field is sent as null (refused by the API), never as 0.
function servqSetupNumber(input) {
  var text = input.value.trim();
  return text === '' ? null : Number(text);
}

function servqSetupMark(node, path) {
  node.setAttribute('data-field', path);
  return node;
}

// Phrases: one a line (a phrase may hold commas).
function servqSetupLines(text) {
  return text.split(/\r?\n/).map(function (line) { return line.trim(); }).filter(Boolean);
}

// Channels and categories: separated by commas (also Chinese ones), semicolons or spaces.
function servqSetupList(text) {
  return text.split(/[,，、;；\s]+/).map(function (item) { return item.trim(); }).filter(Boolean);
}

function servqSetupIsland(editor) {
  var island = document.getElementById(editor.dataset.source);
  return (island && JSON.parse(island.textContent)) || {};
}

// --- the automated-QA rules ------------------------------------------------------------------

var SERVQ_SPEAKERS = ['agent', 'customer'];

// The rules that may be switched off, with what a new one starts from.
var SERVQ_QA_CHECKS = [
  {key: 'interruption', id: 'qa-interruption', field: 'min_overlap_seconds', label: 'qa_min_overlap',
    fallback: {name: 'interruption', min_overlap_seconds: 1}},
  {key: 'silence', id: 'qa-silence', field: 'min_seconds', label: 'qa_min_silence',
    fallback: {name: 'long_silence', min_seconds: 10}},
  {key: 'over_talk', id: 'qa-over-talk', field: 'max_agent_share', label: 'qa_max_share', percent: true,
    extra: {field: 'min_call_seconds', label: 'qa_min_call'},
    fallback: {name: 'over_talk', max_agent_share: 0.75, min_call_seconds: 45}}
];

function servqQaRuleHead(rule, block) {
  return servqEl('legend', {}, [servqEl('input', {class: 'qa-name', size: '18', value: rule.name || '', 'aria-label': servqText('qa_rule_name'),
    placeholder: servqText('qa_rule_name'), required: 'required'})].concat(servqOrderButtons(block)));
}

function servqQaSpeaker(current) {
  return servqSetupChoice(SERVQ_SPEAKERS, current === 'customer' ? 'customer' : 'agent',
    function (speaker) { return servqText('qa_speaker_' + speaker); }, {class: 'qa-speaker'});
}

function servqQaPhrases(phrases) {
  var list = phrases || [];
  return servqEl('label', {style: 'display:block;margin:.25rem 0', text: servqText('qa_phrases')}, [
    servqEl('textarea', {class: 'qa-phrases', rows: String(Math.min(Math.max(list.length, 3), 12)), cols: '40',
      style: 'display:block;width:100%;margin-top:.25rem', value: list.join('\n')})
  ]);
}

function servqForbiddenBlock(rule) {
  var block;
  block = servqEl('fieldset', {class: 'card-section qa-forbidden-rule'}, [
    servqQaRuleHead(rule, function () { return block; }),
    servqEl('p', {}, [servqSetupLabel(servqText('qa_speaker'), servqQaSpeaker(rule.speaker))]),
    servqQaPhrases(rule.phrases)
  ]);
  return block;
}

// A required rule is checked at the start or at the end of the conversation, never both.
function servqRequiredBlock(rule) {
  var block;
  var given = function (value) { return value !== undefined && value !== null; };
  var last = given(rule.within_last_seconds) && !given(rule.within_first_seconds);
  var seconds = last ? rule.within_last_seconds : rule.within_first_seconds;
  block = servqEl('fieldset', {class: 'card-section qa-required-rule'}, [
    servqQaRuleHead(rule, function () { return block; }),
    servqEl('p', {}, [
      servqSetupLabel(servqText('qa_speaker'), servqQaSpeaker(rule.speaker)),
      servqSetupLabel(servqText('qa_window'), servqSetupChoice(['first', 'last'], last ? 'last' : 'first',
        function (side) { return servqText('qa_window_' + side); }, {class: 'qa-window'})),
      servqSetupLabel(servqText('qa_seconds'), servqSetupNumberInput('qa-seconds', given(seconds) ? seconds : 10, {step: 'any'}))
    ]),
    servqQaPhrases(rule.phrases)
  ]);
  return block;
}

function servqQaCheckBlock(check, rule) {
  var current = rule || check.fallback;
  var value = current[check.field];
  if (check.percent && typeof value === 'number') { value = Math.round(value * 1000) / 10; }
  var toggle = servqEl('input', {type: 'checkbox', class: 'qa-on', id: check.id + '-on', checked: !!rule});
  var name = servqEl('input', {class: 'qa-name', size: '18', value: current.name || check.key, required: 'required'});
  var amount = servqSetupNumberInput('qa-value', value, check.percent ? {max: '100', step: 'any'} : {step: 'any'});
  // a second threshold (over-talk: the shortest conversation judged)
  var extra = check.extra && servqSetupNumberInput('qa-extra',
    typeof current[check.extra.field] === 'number' ? current[check.extra.field] : check.fallback[check.extra.field], {step: 'any'});
  var fields = [servqSetupLabel(servqText('qa_rule_name'), name), servqSetupLabel(servqText(check.label), amount)];
  if (extra) { fields.push(servqSetupLabel(servqText(check.extra.label), extra)); }
  var sync = function () {
    name.disabled = !toggle.checked;
    amount.disabled = !toggle.checked;
    if (extra) { extra.disabled = !toggle.checked; }
  };
  var block = servqEl('fieldset', {class: 'card-section qa-check', id: check.id}, [
    servqEl('legend', {}, [servqEl('label', {}, [toggle, document.createTextNode(servqText('qa_' + check.key))])]),
    servqEl('p', {class: 'muted', text: servqText('qa_' + check.key + '_hint')}),
    servqEl('p', {}, fields)
  ]);
  toggle.addEventListener('change', sync);
  sync();
  return block;
}

// `{"rule_set": {...}}` as `PUT /api/v1/qa/rules` takes it; the agent share is sent as 0–1.
function servqQaRulesBody(editor) {
  var set = {forbidden: [], required: []};
  servqSetupMark(editor.querySelector('#qa-forbidden'), 'rule_set.forbidden');
  servqSetupMark(editor.querySelector('#qa-required'), 'rule_set.required');
  editor.querySelectorAll('.qa-forbidden-rule').forEach(function (block, index) {
    var path = 'rule_set.forbidden.' + index;
    var field = function (className, name) { return servqSetupMark(block.querySelector('.' + className), path + '.' + name); };
    servqSetupMark(block, path);
    set.forbidden.push({
      name: field('qa-name', 'name').value.trim(),
      speaker: field('qa-speaker', 'speaker').value,
      phrases: servqSetupLines(field('qa-phrases', 'phrases').value)
    });
  });
  editor.querySelectorAll('.qa-required-rule').forEach(function (block, index) {
    var path = 'rule_set.required.' + index;
    var field = function (className, name) { return servqSetupMark(block.querySelector('.' + className), path + '.' + name); };
    // the seconds are sent as the chosen field; a refusal of the other one (both or neither
    // given) is said beside the choice
    var last = block.querySelector('.qa-window').value === 'last';
    var when = last ? 'within_last_seconds' : 'within_first_seconds';
    field('qa-window', last ? 'within_first_seconds' : 'within_last_seconds');
    servqSetupMark(block, path);
    var rule = {
      name: field('qa-name', 'name').value.trim(),
      speaker: field('qa-speaker', 'speaker').value,
      phrases: servqSetupLines(field('qa-phrases', 'phrases').value)
    };
    rule[when] = servqSetupNumber(field('qa-seconds', when));
    set.required.push(rule);
  });
  SERVQ_QA_CHECKS.forEach(function (check) {
    var block = editor.querySelector('#' + check.id);
    var path = 'rule_set.' + check.key;
    var name = servqSetupMark(block.querySelector('.qa-name'), path + '.name');
    var amount = servqSetupMark(block.querySelector('.qa-value'), path + '.' + check.field);
    servqSetupMark(block, path);
    if (!block.querySelector('.qa-on').checked) { return; }
    var value = servqSetupNumber(amount);
    var rule = {name: name.value.trim()};
    rule[check.field] = check.percent && value !== null ? value / 100 : value;
    if (check.extra) {
      rule[check.extra.field] = servqSetupNumber(servqSetupMark(block.querySelector('.qa-extra'), path + '.' + check.extra.field));
    }
    set[check.key] = rule;
  });
  return {rule_set: set};
}

function servqQaRulesEditor(editor) {
  var island = servqSetupIsland(editor);
  var set = island.rule_set || island;
  var forbidden = servqEl('div', {id: 'qa-forbidden'}, (set.forbidden || []).map(servqForbiddenBlock));
  var required = servqEl('div', {id: 'qa-required'}, (set.required || []).map(servqRequiredBlock));
  var add = function (list, block) {
    list.appendChild(block);
    block.querySelector('.qa-name').focus();
  };
  editor.appendChild(servqEl('p', {class: 'muted', text: servqText('qa_intro')}));
  editor.appendChild(servqEl('h3', {text: servqText('qa_forbidden_title')}));
  editor.appendChild(servqEl('p', {class: 'muted', text: servqText('qa_forbidden_hint')}));
  editor.appendChild(forbidden);
  editor.appendChild(servqEl('p', {}, [servqEl('button', {type: 'button', class: 'secondary', id: 'qa-add-forbidden', text: '+ ' + servqText('qa_add_forbidden'), onclick: function () {
    add(forbidden, servqForbiddenBlock({speaker: 'agent', phrases: []}));
  }})]));
  editor.appendChild(servqEl('h3', {text: servqText('qa_required_title')}));
  editor.appendChild(servqEl('p', {class: 'muted', text: servqText('qa_required_hint')}));
  editor.appendChild(required);
  editor.appendChild(servqEl('p', {}, [servqEl('button', {type: 'button', class: 'secondary', id: 'qa-add-required', text: '+ ' + servqText('qa_add_required'), onclick: function () {
    add(required, servqRequiredBlock({speaker: 'agent', phrases: [], within_first_seconds: 10}));
  }})]));
  editor.appendChild(servqEl('h3', {text: servqText('qa_checks_title')}));
  SERVQ_QA_CHECKS.forEach(function (check) { editor.appendChild(servqQaCheckBlock(check, set[check.key])); });
  editor.appendChild(servqEl('p', {class: 'field-error', role: 'alert'}));
  editor.appendChild(servqEl('p', {}, [servqEl('button', {type: 'button', id: 'save-rules-form', text: servqText('save'), onclick: function () {
    servqSaveFrom(editor, 'PUT', editor.dataset.url, servqQaRulesBody(editor), location.pathname);
  }})]));
}

// --- the survey template ---------------------------------------------------------------------

var SERVQ_QUESTION_KINDS = ['csat', 'nps', 'ces', 'stage', 'text'];
var SERVQ_STAGES = ['greeting', 'understanding', 'answer', 'farewell'];
var SERVQ_CSAT_SCALES = ['three_level', 'five_point'];
var SERVQ_DIMENSIONS = ['response_speed', 'problem_solving', 'professionalism_attitude', 'process_transparency', 'satisfaction_feedback'];
// Every question a template may hold once, in the standard template's order, with the
// dimension a new one starts with.
var SERVQ_QUESTION_KEYS = ['csat', 'stage_greeting', 'stage_understanding', 'stage_answer', 'stage_farewell', 'ces', 'nps', 'text'];
var SERVQ_QUESTION_DIMENSION = {csat: 'satisfaction_feedback', stage_greeting: 'professionalism_attitude',
  stage_understanding: 'problem_solving', stage_answer: 'problem_solving', stage_farewell: 'professionalism_attitude',
  ces: 'process_transparency', nps: 'satisfaction_feedback', text: ''};

// What a row asks: its kind, a stage rating with its stage (`stage_answer`).
function servqQuestionKey(row) {
  var kind = row.querySelector('.survey-kind').value;
  return kind === 'stage' ? 'stage_' + row.querySelector('.survey-stage').value : kind;
}

function servqQuestionLabel(key) {
  return key.indexOf('stage_') === 0 ? servqText('survey_kind_stage') + ': ' + servqText('survey_' + key) : servqText('survey_kind_' + key);
}

function servqQuestionRow(question) {
  var row;
  var kind = servqSetupChoice(SERVQ_QUESTION_KINDS, question.kind, function (k) { return servqText('survey_kind_' + k); },
    {class: 'survey-kind', 'aria-label': servqText('survey_question')});
  var stage = servqSetupChoice(SERVQ_STAGES, question.stage || 'greeting', function (s) { return servqText('survey_stage_' + s); },
    {class: 'survey-stage', 'aria-label': servqText('survey_stage')});
  row = servqEl('tr', {class: 'survey-question'}, [
    servqEl('td', {}, [kind]),
    servqEl('td', {}, [
      servqSetupChoice(SERVQ_CSAT_SCALES, question.scale || 'three_level', function (s) { return servqText('survey_scale_' + s); },
        {class: 'survey-scale', 'aria-label': servqText('survey_scale')}),
      stage,
      servqEl('span', {class: 'muted survey-no-detail', 'aria-hidden': 'true', text: '—'})
    ]),
    servqEl('td', {}, [servqEl('input', {type: 'checkbox', class: 'survey-required', checked: !!question.required, 'aria-label': servqText('survey_required')})]),
    servqEl('td', {}, [servqSetupChoice([''].concat(SERVQ_DIMENSIONS), question.dimension || '',
      function (d) { return d ? servqText('survey_dimension_' + d) : servqText('none'); },
      {class: 'survey-dimension', 'aria-label': servqText('survey_dimension')})]),
    servqEl('td', {class: 'actions'}, servqOrderButtons(function () { return row; }))
  ]);
  // a row made a stage rating takes a stage no other row asks
  kind.addEventListener('change', function () {
    if (kind.value !== 'stage') { return; }
    var others = Array.prototype.filter.call(row.parentNode.children, function (other) { return other !== row; }).map(servqQuestionKey);
    var free = SERVQ_STAGES.filter(function (s) { return others.indexOf('stage_' + s) < 0; });
    if (free.length && free.indexOf(stage.value) < 0) { stage.value = free[0]; }
  });
  return row;
}

// Offers each kind (and each stage) only where no other row asks it; the picker lists what is
// left to add.
function servqQuestionsRefresh(editor) {
  var rows = Array.from(editor.querySelectorAll('.survey-question'));
  var keys = rows.map(servqQuestionKey);
  rows.forEach(function (row, index) {
    var others = keys.filter(function (key, i) { return i !== index; });
    var kind = row.querySelector('.survey-kind');
    Array.from(kind.options).forEach(function (option) {
      option.disabled = option.value === 'stage'
        ? SERVQ_STAGES.every(function (s) { return others.indexOf('stage_' + s) >= 0; })
        : others.indexOf(option.value) >= 0;
    });
    Array.from(row.querySelector('.survey-stage').options).forEach(function (option) {
      option.disabled = others.indexOf('stage_' + option.value) >= 0;
    });
    row.querySelector('.survey-scale').hidden = kind.value !== 'csat';
    row.querySelector('.survey-stage').hidden = kind.value !== 'stage';
    row.querySelector('.survey-no-detail').hidden = kind.value === 'csat' || kind.value === 'stage';
  });
  var picker = editor.querySelector('#survey-new-question');
  var free = SERVQ_QUESTION_KEYS.filter(function (key) { return keys.indexOf(key) < 0; });
  if (picker.dataset.free !== free.join(' ')) {
    var chosen = picker.value;
    picker.dataset.free = free.join(' ');
    picker.textContent = '';
    free.forEach(function (key) {
      var option = servqEl('option', {value: key, text: servqQuestionLabel(key)});
      option.selected = key === chosen;
      picker.appendChild(option);
    });
  }
  picker.disabled = free.length === 0;
  editor.querySelector('#survey-add-question').disabled = free.length === 0;
}

// The template as `PUT /api/v1/survey-templates/{id}` takes it: {name, questions}.
function servqTemplateBody(editor) {
  var name = servqSetupMark(editor.querySelector('#survey-name'), 'name');
  servqSetupMark(editor.querySelector('#survey-questions-table'), 'questions');
  return {
    name: name.value.trim(),
    questions: Array.from(editor.querySelectorAll('.survey-question')).map(function (row, index) {
      var path = 'questions.' + index;
      var field = function (className, fieldName) { return servqSetupMark(row.querySelector('.' + className), path + '.' + fieldName); };
      servqSetupMark(row, path);
      var question = {kind: field('survey-kind', 'kind').value};
      var scale = field('survey-scale', 'scale').value;
      var stage = field('survey-stage', 'stage').value;
      if (question.kind === 'csat') { question.scale = scale; }
      if (question.kind === 'stage') { question.stage = stage; }
      question.required = field('survey-required', 'required').checked;
      var dimension = field('survey-dimension', 'dimension').value;
      if (dimension) { question.dimension = dimension; }
      return question;
    })
  };
}

function servqSurveyTemplateEditor(editor) {
  var island = servqSetupIsland(editor);
  var template = island.questions ? island : (island.template || {});
  var body = servqEl('tbody', {id: 'survey-questions'}, (template.questions || []).map(servqQuestionRow));
  var head = servqEl('tr', {}, ['survey_question', 'survey_detail', 'survey_required', 'survey_dimension', ''].map(function (key) {
    return servqEl('th', {text: key ? servqText(key) : ''});
  }));
  var picker = servqEl('select', {id: 'survey-new-question'});
  var refresh = function () { servqQuestionsRefresh(editor); };
  editor.appendChild(servqEl('p', {}, [servqSetupLabel(servqText('survey_template_name'),
    servqEl('input', {id: 'survey-name', size: '30', value: template.name || '', required: 'required'}))]));
  editor.appendChild(servqEl('p', {class: 'muted', text: servqText('survey_questions_hint')}));
  editor.appendChild(servqEl('div', {class: 'table-scroll', id: 'survey-questions-table', tabindex: '0'}, [
    servqEl('table', {class: 'plain'}, [servqEl('thead', {}, [head]), body])]));
  editor.appendChild(servqEl('p', {}, [servqSetupLabel(servqText('survey_new_question'), picker),
    servqEl('button', {type: 'button', class: 'secondary', id: 'survey-add-question', text: '+ ' + servqText('survey_add_question'), onclick: function () {
      var key = picker.value;
      if (!key) { return; }
      var stage = key.indexOf('stage_') === 0;
      var question = {kind: stage ? 'stage' : key, required: false, dimension: SERVQ_QUESTION_DIMENSION[key] || ''};
      if (stage) { question.stage = key.slice('stage_'.length); }
      if (key === 'csat') { question.scale = 'three_level'; question.required = true; }
      var row = servqQuestionRow(question);
      body.appendChild(row);
      refresh();
      row.querySelector('.survey-kind').focus();
    }})]));
  editor.appendChild(servqEl('p', {class: 'field-error', role: 'alert'}));
  editor.appendChild(servqEl('p', {}, [servqEl('button', {type: 'button', id: 'save-template-form', text: servqText('save'), onclick: function () {
    servqSaveFrom(editor, 'PUT', editor.dataset.url, servqTemplateBody(editor), location.pathname);
  }})]));
  editor.addEventListener('change', refresh);
  // after a row is moved or removed
  editor.addEventListener('click', function (event) {
    if (event.target.closest && event.target.closest('button')) { setTimeout(refresh, 0); }
  });
  refresh();
}

// --- the survey dispatch rules ---------------------------------------------------------------

var SERVQ_SEND_VIA = ['sms', 'email', 'webhook'];
var SERVQ_SURVEY_LOCALES = ['zh-CN', 'zh-TW', 'en'];

function servqDispatchBlock(rule) {
  var block;
  var quiet = (rule.quiet_hours || '').split('-');
  var time = function (className, value, label) {
    return servqEl('input', {class: className, type: 'time', value: (value || '').trim(), 'aria-label': label});
  };
  block = servqEl('fieldset', {class: 'card-section survey-rule'}, [
    servqEl('legend', {}, [servqEl('input', {class: 'rule-id', size: '16', value: rule.rule_id || '', 'aria-label': servqText('survey_rule_id'),
      placeholder: servqText('survey_rule_id'), required: 'required'})].concat(servqOrderButtons(function () { return block; }))),
    servqEl('p', {}, [
      servqEl('label', {style: 'display:inline-block;margin:0 1rem .5rem 0'}, [
        servqEl('input', {type: 'checkbox', class: 'rule-active', checked: rule.active !== false}), document.createTextNode(servqText('survey_active'))]),
      servqSetupLabel(servqText('survey_template'), servqEl('input', {class: 'rule-template', size: '12', value: rule.template_id || '',
        list: 'survey-template-ids', required: 'required'})),
      servqSetupLabel(servqText('survey_send_via'), servqSetupChoice(SERVQ_SEND_VIA, rule.send_via || 'sms',
        function (via) { return servqText('survey_via_' + via); }, {class: 'rule-send-via'})),
      servqSetupLabel(servqText('survey_locale'), servqSetupChoice(SERVQ_SURVEY_LOCALES, rule.locale || 'zh-CN',
        function (locale) { return servqText('survey_locale_' + locale.toLowerCase().replace('-', '_')); }, {class: 'rule-locale'}))
    ]),
    servqEl('p', {}, [
      servqSetupLabel(servqText('survey_channels'), servqEl('input', {class: 'rule-channels', size: '18', value: (rule.channels || []).join(', '), placeholder: servqText('survey_all')})),
      servqSetupLabel(servqText('survey_categories'), servqEl('input', {class: 'rule-categories', size: '24', value: (rule.categories || []).join(', '), placeholder: servqText('survey_all')})),
      servqEl('span', {class: 'muted', text: servqText('survey_list_hint')})
    ]),
    servqEl('p', {}, [
      servqSetupLabel(servqText('survey_delay'), servqSetupNumberInput('rule-delay', rule.delay_minutes)),
      servqSetupLabel(servqText('survey_sample'), servqSetupNumberInput('rule-sample', rule.sample_percent, {max: '100'})),
      servqSetupLabel(servqText('survey_no_repeat'), servqSetupNumberInput('rule-no-repeat', rule.no_repeat_days)),
      servqSetupLabel(servqText('survey_expiry'), servqSetupNumberInput('rule-expiry', rule.expiry_hours, {min: '1'}))
    ]),
    servqEl('p', {}, [
      servqEl('span', {class: 'rule-quiet', role: 'group', 'aria-label': servqText('survey_quiet'), style: 'margin-right:1rem'}, [
        document.createTextNode(servqText('survey_quiet') + ' '),
        time('rule-quiet-start', quiet[0], servqText('survey_quiet_start')),
        document.createTextNode(' – '),
        time('rule-quiet-end', quiet[1], servqText('survey_quiet_end'))
      ]),
      servqEl('span', {class: 'muted', text: servqText('survey_quiet_hint')})
    ])
  ]);
  return block;
}

// `{"rules": [...]}` as `PUT /api/v1/survey-rules` takes it; quiet hours as "22:00-08:00" or null.
function servqDispatchBody(editor) {
  servqSetupMark(editor.querySelector('#survey-rule-list'), 'rules');
  return {rules: Array.from(editor.querySelectorAll('.survey-rule')).map(function (block, index) {
    var path = 'rules.' + index;
    var field = function (className, name) { return servqSetupMark(block.querySelector('.' + className), path + '.' + name); };
    servqSetupMark(block, path);
    var start = block.querySelector('.rule-quiet-start').value;
    var end = block.querySelector('.rule-quiet-end').value;
    field('rule-quiet', 'quiet_hours');
    return {
      rule_id: field('rule-id', 'rule_id').value.trim(),
      template_id: field('rule-template', 'template_id').value.trim(),
      channels: servqSetupList(field('rule-channels', 'channels').value),
      categories: servqSetupList(field('rule-categories', 'categories').value),
      delay_minutes: servqSetupNumber(field('rule-delay', 'delay_minutes')),
      sample_percent: servqSetupNumber(field('rule-sample', 'sample_percent')),
      quiet_hours: start || end ? start + '-' + end : null,
      no_repeat_days: servqSetupNumber(field('rule-no-repeat', 'no_repeat_days')),
      expiry_hours: servqSetupNumber(field('rule-expiry', 'expiry_hours')),
      send_via: field('rule-send-via', 'send_via').value,
      locale: field('rule-locale', 'locale').value,
      active: field('rule-active', 'active').checked
    };
  })};
}

function servqSurveyRulesEditor(editor) {
  var island = servqSetupIsland(editor);
  var rules = Array.isArray(island) ? island : (island.rules || []);
  var standard = editor.dataset.template || 'standard';
  var templates = [standard].concat(island.templates || [], rules.map(function (rule) { return rule.template_id; }))
    .filter(function (id, index, all) { return id && all.indexOf(id) === index; });
  var lang = document.documentElement.lang;
  var list = servqEl('div', {id: 'survey-rule-list'}, rules.map(servqDispatchBlock));
  editor.appendChild(servqEl('p', {class: 'muted', text: servqText('survey_rules_hint')}));
  editor.appendChild(servqEl('datalist', {id: 'survey-template-ids'}, templates.map(function (id) { return servqEl('option', {value: id}); })));
  editor.appendChild(list);
  editor.appendChild(servqEl('p', {}, [servqEl('button', {type: 'button', class: 'secondary', id: 'survey-add-rule', text: '+ ' + servqText('survey_add_rule'), onclick: function () {
    var block = servqDispatchBlock({rule_id: '', template_id: standard, channels: [], categories: [], delay_minutes: 10, sample_percent: 30,
      quiet_hours: '21:00-08:00', no_repeat_days: 30, expiry_hours: 72, send_via: 'sms',
      locale: SERVQ_SURVEY_LOCALES.indexOf(lang) >= 0 ? lang : 'zh-CN', active: true});
    list.appendChild(block);
    block.querySelector('.rule-id').focus();
  }})]));
  editor.appendChild(servqEl('p', {class: 'field-error', role: 'alert'}));
  editor.appendChild(servqEl('p', {}, [servqEl('button', {type: 'button', id: 'save-survey-rules-form', text: servqText('save'), onclick: function () {
    servqSaveFrom(editor, 'PUT', editor.dataset.url, servqDispatchBody(editor), location.pathname);
  }})]));
}

document.querySelectorAll('[data-editor="qa-rules"]').forEach(servqQaRulesEditor);
document.querySelectorAll('[data-editor="survey-template"]').forEach(servqSurveyTemplateEditor);
document.querySelectorAll('[data-editor="survey-rules"]').forEach(servqSurveyRulesEditor);
