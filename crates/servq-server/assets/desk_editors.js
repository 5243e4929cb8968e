// Form editors of the desk set-up page: the category tree, the workflows (ticket types and
// their stages), the SLA policy and the routing rules. Each builds the same JSON its "advanced"
// box holds and saves it through the API, which checks it; a refusal is said beside the field
// it names (`data-field`, the dotted path into the body as sent) and in the status line.
// Uses the helpers of editors.js (servqEl, servqText, servqOrderButtons, servqSaveFrom), loaded
// before this file; texts come from the page (`#editor-strings`, keys `desk_…`).

var SERVQ_CATALOGUE_STAGES = ['reception', 'diagnosis', 'repair_parts', 'feedback_follow_up', 'satisfaction_survey',
  'investigation', 'handling', 'return_visit', 'answering', 'follow_up'];
var SERVQ_KNOWN_TYPES = ['consult', 'after_sales', 'complaint'];
var SERVQ_PRIORITIES = ['urgent', 'high', 'normal', 'low'];
var SERVQ_ASSIGNMENTS = ['round_robin', 'least_loaded', 'none'];
// stage-name locale → the catalogue key of its label
var SERVQ_NAME_LOCALES = [['zh-CN', 'name_zh_cn'], ['zh-TW', 'name_zh_tw'], ['en', 'name_en']];
var SERVQ_MAX_STAGE_MINUTES = 525600;

var servqDeskSerial = 0;
function servqDeskId() { servqDeskSerial += 1; return 'desk-field-' + servqDeskSerial; }

// A label and its input, side by side: the label names the input by `for`, so a problem said
// after the input (servqFieldErrors) does not become part of the input's name.
function servqDeskField(key, input, style) {
  if (!input.id) { input.id = servqDeskId(); }
  return servqEl('span', {class: 'desk-field', style: style || ''}, [
    servqEl('label', {for: input.id, text: servqText(key)}), document.createTextNode(' '), input]);
}

// A comma-separated list (`VIP, Gold`): trimmed, empties dropped. Spaces stay inside a name.
function servqDeskList(text) {
  return text.split(/[,，、;；]+/).map(function (part) { return part.trim(); }).filter(Boolean);
}

// A minutes field's number; empty is sent as 0 so the API names the field.
function servqDeskMinutes(input) {
  var text = input.value.trim();
  return text === '' ? 0 : Number(text);
}

// "= 8 h" beside a limit in minutes.
function servqDeskHours(minutes) {
  var value = Number(minutes);
  if (!(value > 0)) { return ''; }
  var hours = new Intl.NumberFormat(document.documentElement.lang || undefined, {maximumFractionDigits: 2}).format(value / 60);
  return servqText('desk_hours').replace('{h}', hours);
}

// A minutes input with its hours hint (kept up to date while typing).
function servqDeskMinutesInput(attributes, value) {
  var hint = servqEl('span', {class: 'muted hours', id: servqDeskId()});
  attributes.type = 'number';
  attributes.min = '1';
  attributes.step = '1';
  attributes.required = 'required';
  attributes.style = 'width:7rem';
  attributes.value = value === undefined || value === null ? '' : String(value);
  attributes['aria-describedby'] = hint.id;
  var input = servqEl('input', attributes);
  var update = function () { hint.textContent = servqDeskHours(input.value); };
  input.addEventListener('input', update);
  update();
  return {input: input, hint: hint};
}

// A labelled minutes field: the label (its text and input) and the hint beside it.
function servqDeskMinutesField(className, labelKey, value) {
  var field = servqDeskMinutesInput({class: className}, value);
  return servqEl('span', {class: 'minutes-field', style: 'display:inline-block;margin:0 1rem .5rem 0'}, [
    servqDeskField(labelKey, field.input), document.createTextNode(' '), field.hint]);
}

// Keeps every `data-field` path current: `mark` (the editor's body builder) runs now and after
// any row is added, removed or moved, and again when saving.
function servqDeskKeepMarked(editor, mark) {
  mark();
  if (window.MutationObserver) {
    new MutationObserver(function () { mark(); }).observe(editor, {childList: true, subtree: true});
  }
}

// Numbers the rule blocks (the order matters: the first match wins).
function servqDeskNumber(blocks) {
  blocks.forEach(function (block, index) {
    var number = block.querySelector('.rule-number');
    var text = (index + 1) + '.';
    // only when it changed: the observer would otherwise run for ever
    if (number && number.textContent !== text) { number.textContent = text; }
  });
}

function servqDeskChildren(container, className) {
  return Array.from(container.children).filter(function (el) { return el.classList.contains(className); });
}

function servqDeskHint(key) {
  return servqEl('p', {class: 'muted', text: servqText(key)});
}

function servqDeskSaveButton(editor, id, body) {
  editor.appendChild(servqEl('p', {class: 'field-error', role: 'alert'}));
  editor.appendChild(servqEl('p', {}, [servqEl('button', {type: 'button', id: id, text: servqText('save'), onclick: function () {
    servqSaveFrom(editor, 'PUT', editor.dataset.url, body(), location.pathname);
  }})]));
}

// --- the category chooser (SLA and routing rules) ---------------------------------------------

// The saved tree, flattened in order, with names in the page's language.
var servqDeskCategories = (function () {
  var island = document.getElementById('categories-data');
  var tree = island ? JSON.parse(island.textContent) : [];
  var key = {'zh-CN': 'name_zh_cn', 'zh-TW': 'name_zh_tw'}[document.documentElement.lang] || 'name_en';
  var flat = [];
  var walk = function (nodes, depth) {
    (nodes || []).forEach(function (node) {
      flat.push({id: node.id, name: node[key] || node.id, depth: depth});
      walk(node.children, depth + 1);
    });
  };
  walk(tree, 0);
  return flat;
})();

// A folded list of checkboxes, one per category (indented by level, the id as title); the
// summary says what is chosen ("all" when nothing is). Ids chosen that the tree lacks stay, by id.
function servqCategoryChooser(chosen) {
  chosen = chosen || [];
  var known = {};
  servqDeskCategories.forEach(function (entry) { known[entry.id] = true; });
  var entries = servqDeskCategories.concat(chosen.filter(function (id) { return !known[id]; }).map(function (id) {
    return {id: id, name: id, depth: 0};
  }));
  var summary = servqEl('summary', {class: 'category-summary'});
  var list = servqEl('div', {role: 'group', 'aria-label': servqText('desk_categories'), style: 'max-height:16rem;overflow:auto;padding:.3rem 0'},
    entries.map(function (entry) {
      return servqEl('label', {title: entry.id, style: 'display:block;padding:.1rem 0 .1rem ' + (entry.depth * 1.25) + 'rem'}, [
        servqEl('input', {type: 'checkbox', class: 'category-choice', value: entry.id, checked: chosen.indexOf(entry.id) >= 0}),
        servqEl('span', {class: 'category-name', text: entry.name})
      ]);
    }));
  var chooser = servqEl('details', {class: 'category-chooser', style: 'margin:.3rem 0 .6rem'}, [summary, list]);
  var separator = document.documentElement.lang === 'en' ? ', ' : '、';
  var describe = function () {
    var names = Array.from(list.querySelectorAll('.category-choice')).filter(function (box) { return box.checked; })
      .map(function (box) { return box.parentNode.querySelector('.category-name').textContent; });
    summary.textContent = servqText('desk_categories_chosen').replace('{list}', names.length
      ? names.slice(0, 3).join(separator) + (names.length > 3 ? ' +' + (names.length - 3) : '')
      : servqText('desk_all'));
  };
  list.addEventListener('change', describe);
  describe();
  chooser.servqValue = function () {
    return Array.from(list.querySelectorAll('.category-choice')).filter(function (box) { return box.checked; })
      .map(function (box) { return box.value; });
  };
  return chooser;
}

// --- the category tree -------------------------------------------------------------------------

// A node (depth 1 to 3): its id, its three names, its children and, above the third level, a
// button adding a child.
function servqCategoryNode(node, depth) {
  var block;
  var id = servqEl('input', {class: 'cat-id', size: '14', value: node.id || '', required: 'required', spellcheck: 'false', autocapitalize: 'off'});
  var names = {};
  var nameFields = SERVQ_NAME_LOCALES.map(function (pair) {
    names[pair[1]] = servqEl('input', {class: 'cat-' + pair[1], lang: pair[0], size: '16', value: node[pair[1]] || '', required: 'required'});
    return servqDeskField('desk_' + pair[1], names[pair[1]], 'display:inline-block;margin:0 .8rem .4rem 0');
  });
  // a stored tree deeper than three levels still shows (the save then says why it is refused)
  var children = servqEl('div', {class: 'category-children'}, (node.children || []).map(function (child) {
    return servqCategoryNode(child, depth + 1);
  }));
  var parts = [
    servqEl('legend', {style: 'flex-wrap:wrap'}, [servqDeskField('desk_category_id', id)]
      .concat(servqOrderButtons(function () { return block; }))),
    servqEl('div', {class: 'category-names'}, nameFields),
    children
  ];
  if (depth < 3) {
    parts.push(servqEl('button', {type: 'button', class: 'secondary small add-child', text: servqText('desk_add_child'), onclick: function () {
      var child = servqCategoryNode({}, depth + 1);
      children.appendChild(child);
      child.servqParts.id.focus();
    }}));
  }
  block = servqEl('fieldset', {class: 'card-section category-node', 'data-depth': String(depth)}, parts);
  block.servqParts = {id: id, names: names, children: children};
  return block;
}

// The tree under `container`, each input marked with its path (`categories.0.children.3.name_en`).
function servqCategoriesFrom(container, path) {
  return servqDeskChildren(container, 'category-node').map(function (block, index) {
    var here = path + '.' + index;
    var parts = block.servqParts;
    block.setAttribute('data-field', here);
    parts.id.setAttribute('data-field', here + '.id');
    var node = {id: parts.id.value.trim()};
    SERVQ_NAME_LOCALES.forEach(function (pair) {
      parts.names[pair[1]].setAttribute('data-field', here + '.' + pair[1]);
      node[pair[1]] = parts.names[pair[1]].value.trim();
    });
    parts.children.setAttribute('data-field', here + '.children');
    var children = servqCategoriesFrom(parts.children, here + '.children');
    if (children.length) { node.children = children; }
    return node;
  });
}

function servqCategoriesEditor(editor) {
  var tree = JSON.parse(document.getElementById(editor.dataset.source).textContent);
  var top = servqEl('div', {class: 'category-children', id: 'category-tree'}, tree.map(function (node) {
    return servqCategoryNode(node, 1);
  }));
  var body = function () { return {categories: servqCategoriesFrom(top, 'categories')}; };
  editor.appendChild(servqDeskHint('desk_categories_hint'));
  editor.appendChild(top);
  editor.appendChild(servqEl('p', {}, [servqEl('button', {type: 'button', class: 'secondary', id: 'add-category', text: servqText('desk_add_category'), onclick: function () {
    var node = servqCategoryNode({}, 1);
    top.appendChild(node);
    node.servqParts.id.focus();
  }})]));
  servqDeskSaveButton(editor, 'save-categories-form', body);
  servqDeskKeepMarked(editor, body);
}

// --- the workflows -------------------------------------------------------------------------------

// A stage: id (a catalogue stage says its standard name and needs no names), limit in minutes
// with its hours, names in the three languages.
function servqStageRow(stage) {
  var row;
  var given = stage.names || {};
  var id = servqEl('input', {class: 'stage-id', size: '14', value: stage.id || '', 'aria-label': servqText('desk_stage_id'), required: 'required', spellcheck: 'false', autocapitalize: 'off'});
  var standard = servqEl('span', {class: 'muted stage-standard', style: 'display:block;font-size:.8125rem'});
  var limit = servqDeskMinutesInput({class: 'stage-limit', max: String(SERVQ_MAX_STAGE_MINUTES), 'aria-label': servqText('desk_limit_minutes')}, stage.limit_minutes);
  var names = {};
  var nameCells = SERVQ_NAME_LOCALES.map(function (pair) {
    names[pair[0]] = servqEl('input', {class: 'stage-name', 'data-locale': pair[0], lang: pair[0], size: '12', value: given[pair[0]] || '', 'aria-label': servqText('desk_' + pair[1])});
    return servqEl('td', {}, [names[pair[0]]]);
  });
  var refresh = function () {
    var code = id.value.trim();
    var known = SERVQ_CATALOGUE_STAGES.indexOf(code) >= 0;
    standard.textContent = known ? servqText('desk_standard_stage').replace('{name}', servqText('desk_stage_' + code)) : '';
    Object.keys(names).forEach(function (locale) {
      if (known) {
        names[locale].removeAttribute('required');
        names[locale].setAttribute('placeholder', servqText('desk_optional'));
      } else {
        names[locale].setAttribute('required', 'required');
        names[locale].removeAttribute('placeholder');
      }
    });
  };
  id.addEventListener('input', refresh);
  refresh();
  row = servqEl('tr', {class: 'wf-stage'}, [
    servqEl('td', {}, [id, standard]),
    servqEl('td', {}, [limit.input, document.createTextNode(' '), limit.hint])
  ].concat(nameCells, [servqEl('td', {class: 'actions'}, servqOrderButtons(function () { return row; }))]));
  row.servqParts = {id: id, limit: limit.input, names: names};
  return row;
}

// A ticket type and its stages in order.
function servqWorkflowBlock(flow) {
  var block;
  var body = servqEl('tbody', {}, (flow.stages || []).map(servqStageRow));
  var head = servqEl('tr', {}, ['desk_stage_id', 'desk_limit_minutes', 'desk_name_zh_cn', 'desk_name_zh_tw', 'desk_name_en', ''].map(function (key) {
    return servqEl('th', {text: key ? servqText(key) : ''});
  }));
  var type = servqEl('input', {class: 'wf-type', size: '16', value: flow.ticket_type || '', required: 'required', spellcheck: 'false', autocapitalize: 'off'});
  var typeName = servqEl('span', {class: 'muted wf-type-name', style: 'font-weight:400'});
  var refresh = function () {
    var code = type.value.trim();
    typeName.textContent = SERVQ_KNOWN_TYPES.indexOf(code) >= 0 ? servqText('desk_type_' + code) : '';
  };
  type.addEventListener('input', refresh);
  refresh();
  var stages = servqEl('div', {class: 'table-scroll wf-stages', tabindex: '0'}, [
    servqEl('table', {class: 'plain', 'aria-label': servqText('desk_stages')}, [servqEl('thead', {}, [head]), body])]);
  block = servqEl('fieldset', {class: 'card-section workflow'}, [
    servqEl('legend', {style: 'flex-wrap:wrap'}, [servqDeskField('desk_ticket_type', type), typeName]
      .concat(servqOrderButtons(function () { return block; }))),
    stages,
    servqEl('button', {type: 'button', class: 'secondary add-stage', text: servqText('desk_add_stage'), onclick: function () {
      var row = servqStageRow({limit_minutes: 480});
      body.appendChild(row);
      row.servqParts.id.focus();
    }})
  ]);
  block.servqParts = {type: type, stages: stages, body: body};
  return block;
}

function servqWorkflowsFrom(container) {
  return servqDeskChildren(container, 'workflow').map(function (block, index) {
    var path = 'workflows.' + index;
    var parts = block.servqParts;
    block.setAttribute('data-field', path);
    parts.type.setAttribute('data-field', path + '.ticket_type');
    parts.stages.setAttribute('data-field', path + '.stages');
    return {
      ticket_type: parts.type.value.trim(),
      stages: servqDeskChildren(parts.body, 'wf-stage').map(function (row, number) {
        var here = path + '.stages.' + number;
        var own = row.servqParts;
        row.setAttribute('data-field', here);
        own.id.setAttribute('data-field', here + '.id');
        own.limit.setAttribute('data-field', here + '.limit_minutes');
        var stage = {id: own.id.value.trim(), limit_minutes: servqDeskMinutes(own.limit)};
        var names = {};
        var any = false;
        Object.keys(own.names).forEach(function (locale) {
          own.names[locale].setAttribute('data-field', here + '.names.' + locale);
          var name = own.names[locale].value.trim();
          // an empty name would replace the catalogue's: only names given are sent
          if (name) { names[locale] = name; any = true; }
        });
        if (any) { stage.names = names; }
        return stage;
      })
    };
  });
}

function servqWorkflowsEditor(editor) {
  var flows = JSON.parse(document.getElementById(editor.dataset.source).textContent);
  var list = servqEl('div', {class: 'workflows', id: 'workflow-list'}, flows.map(servqWorkflowBlock));
  var body = function () { return {workflows: servqWorkflowsFrom(list)}; };
  editor.appendChild(servqDeskHint('desk_workflows_hint'));
  editor.appendChild(list);
  editor.appendChild(servqEl('p', {}, [servqEl('button', {type: 'button', class: 'secondary', id: 'add-workflow', text: servqText('desk_add_workflow'), onclick: function () {
    var block = servqWorkflowBlock({stages: [{limit_minutes: 480}]});
    list.appendChild(block);
    block.servqParts.type.focus();
  }})]));
  servqDeskSaveButton(editor, 'save-workflows-form', body);
  servqDeskKeepMarked(editor, body);
}

// --- the SLA policy ------------------------------------------------------------------------------

function servqPolicyRule(rule) {
  var block;
  var chosen = rule.priorities || [];
  var name = servqEl('input', {class: 'rule-name', size: '22', value: rule.name || '', required: 'required'});
  var priorities = servqEl('div', {class: 'rule-priorities', role: 'group', 'aria-label': servqText('desk_priorities'), style: 'margin:.3rem 0'},
    [servqEl('span', {text: servqText('desk_priorities') + ': '})].concat(SERVQ_PRIORITIES.map(function (priority) {
      return servqEl('label', {style: 'display:inline-block;margin-right:.9rem;white-space:nowrap'}, [
        servqEl('input', {type: 'checkbox', class: 'rule-priority', value: priority, checked: chosen.indexOf(priority) >= 0}),
        document.createTextNode(servqText('desk_priority_' + priority))]);
    }), [servqEl('span', {class: 'muted', text: servqText('desk_none_ticked_all')})]));
  var categories = servqCategoryChooser(rule.categories);
  var segments = servqEl('input', {class: 'rule-segments', size: '24', value: (rule.segments || []).join(', '), placeholder: servqText('desk_list_hint')});
  var first = servqDeskMinutesField('rule-first', 'desk_first_response', rule.first_response_minutes);
  var next = servqDeskMinutesField('rule-next', 'desk_next_response', rule.next_response_minutes);
  var resolution = servqDeskMinutesField('rule-resolution', 'desk_resolution', rule.resolution_minutes);
  block = servqEl('fieldset', {class: 'card-section policy-rule'}, [
    servqEl('legend', {style: 'flex-wrap:wrap'}, [servqEl('span', {class: 'rule-number'}),
      servqDeskField('desk_rule_name', name)].concat(servqOrderButtons(function () { return block; }))),
    priorities,
    categories,
    servqEl('p', {}, [servqDeskField('desk_segments', segments)]),
    servqEl('div', {}, [first, next, resolution])
  ]);
  block.servqParts = {
    name: name, priorities: priorities, categories: categories, segments: segments,
    first: first.querySelector('input'), next: next.querySelector('input'), resolution: resolution.querySelector('input')
  };
  return block;
}

function servqPolicyEditor(editor) {
  var policy = JSON.parse(document.getElementById(editor.dataset.source).textContent);
  var rules = servqEl('div', {class: 'policy-rules', id: 'policy-rules'}, (policy.rules || []).map(servqPolicyRule));
  var warn = servqEl('input', {id: 'policy-warn', type: 'number', min: '1', max: '99', step: '1', required: 'required', style: 'width:5rem',
    value: policy.warn_at_percent === undefined ? '80' : String(policy.warn_at_percent)});
  var body = function () {
    var blocks = servqDeskChildren(rules, 'policy-rule');
    servqDeskNumber(blocks);
    warn.setAttribute('data-field', 'policy.warn_at_percent');
    return {policy: {
      rules: blocks.map(function (block, index) {
        var path = 'policy.rules.' + index;
        var parts = block.servqParts;
        var mark = function (el, field) { el.setAttribute('data-field', path + '.' + field); return el; };
        block.setAttribute('data-field', path);
        return {
          name: mark(parts.name, 'name').value.trim(),
          priorities: Array.from(mark(parts.priorities, 'priorities').querySelectorAll('.rule-priority'))
            .filter(function (box) { return box.checked; }).map(function (box) { return box.value; }),
          categories: mark(parts.categories, 'categories').servqValue(),
          segments: servqDeskList(mark(parts.segments, 'segments').value),
          first_response_minutes: servqDeskMinutes(mark(parts.first, 'first_response_minutes')),
          next_response_minutes: servqDeskMinutes(mark(parts.next, 'next_response_minutes')),
          resolution_minutes: servqDeskMinutes(mark(parts.resolution, 'resolution_minutes'))
        };
      }),
      warn_at_percent: servqDeskMinutes(warn)
    }};
  };
  editor.appendChild(servqDeskHint('desk_policy_hint'));
  editor.appendChild(servqEl('p', {}, [servqDeskField('desk_warn_at', warn), document.createTextNode(' %')]));
  editor.appendChild(rules);
  editor.appendChild(servqEl('p', {}, [servqEl('button', {type: 'button', class: 'secondary', id: 'add-policy-rule', text: servqText('desk_add_rule'), onclick: function () {
    var block = servqPolicyRule({name: '', first_response_minutes: 60, next_response_minutes: 240, resolution_minutes: 1440});
    rules.appendChild(block);
    block.servqParts.name.focus();
  }})]));
  servqDeskSaveButton(editor, 'save-policy-form', body);
  servqDeskKeepMarked(editor, body);
}

// --- the routing rules -----------------------------------------------------------------------------

function servqRoutingRule(rule) {
  var block;
  var team = servqEl('input', {class: 'rule-team', size: '18', value: rule.team || '', required: 'required'});
  var categories = servqCategoryChooser(rule.categories);
  var channels = servqEl('input', {class: 'rule-channels', size: '24', value: (rule.channels || []).join(', '), placeholder: servqText('desk_list_hint')});
  var segments = servqEl('input', {class: 'rule-segments', size: '24', value: (rule.segments || []).join(', '), placeholder: servqText('desk_list_hint')});
  block = servqEl('fieldset', {class: 'card-section routing-rule'}, [
    servqEl('legend', {style: 'flex-wrap:wrap'}, [servqEl('span', {class: 'rule-number'}),
      servqDeskField('desk_team', team)].concat(servqOrderButtons(function () { return block; }))),
    categories,
    servqEl('p', {}, [servqDeskField('desk_channels', channels)]),
    servqEl('p', {}, [servqDeskField('desk_segments', segments)])
  ]);
  block.servqParts = {team: team, categories: categories, channels: channels, segments: segments};
  return block;
}

function servqRoutingEditor(editor) {
  var routing = JSON.parse(document.getElementById(editor.dataset.source).textContent);
  var rules = servqEl('div', {class: 'routing-rules', id: 'routing-rules'}, (routing.rules || []).map(servqRoutingRule));
  var assignment = servqEl('select', {id: 'routing-assignment'}, SERVQ_ASSIGNMENTS.map(function (name) {
    var option = servqEl('option', {value: name, text: servqText('desk_assignment_' + name)});
    option.selected = (routing.assignment || 'round_robin') === name;
    return option;
  }));
  var body = function () {
    var blocks = servqDeskChildren(rules, 'routing-rule');
    servqDeskNumber(blocks);
    assignment.setAttribute('data-field', 'routing.assignment');
    return {routing: {
      rules: blocks.map(function (block, index) {
        var path = 'routing.rules.' + index;
        var parts = block.servqParts;
        var mark = function (el, field) { el.setAttribute('data-field', path + '.' + field); return el; };
        block.setAttribute('data-field', path);
        return {
          categories: mark(parts.categories, 'categories').servqValue(),
          channels: servqDeskList(mark(parts.channels, 'channels').value),
          segments: servqDeskList(mark(parts.segments, 'segments').value),
          team: mark(parts.team, 'team').value.trim()
        };
      }),
      assignment: assignment.value
    }};
  };
  editor.appendChild(servqDeskHint('desk_routing_hint'));
  editor.appendChild(rules);
  editor.appendChild(servqEl('p', {}, [servqEl('button', {type: 'button', class: 'secondary', id: 'add-routing-rule', text: servqText('desk_add_rule'), onclick: function () {
    var block = servqRoutingRule({});
    rules.appendChild(block);
    block.servqParts.team.focus();
  }})]));
  editor.appendChild(servqEl('p', {}, [servqDeskField('desk_assignment', assignment)]));
  servqDeskSaveButton(editor, 'save-routing-form', body);
  servqDeskKeepMarked(editor, body);
}

// --- the customer tag rules ------------------------------------------------------------------

var SERVQ_TAG_KINDS = ['frequent', 'complained_within', 'unsatisfied_last_survey', 'segment'];
// what each kind asks for, with its default
var SERVQ_TAG_PARAMS = {
  frequent: [['contacts', 3], ['days', 7]],
  complained_within: [['days', 90]],
  unsatisfied_last_survey: [['csat_at_most', 2]],
  segment: [['segment', 'VIP']]
};

function servqTagRule(rule) {
  var block;
  var condition = rule.condition || {kind: 'frequent', contacts: 3, days: 7};
  var tag = servqEl('input', {class: 'rule-tag', size: '18', maxlength: '32', value: rule.tag || '', required: 'required'});
  var enabled = servqEl('input', {type: 'checkbox', class: 'rule-enabled', checked: rule.enabled !== false});
  var kind = servqEl('select', {class: 'rule-kind'}, SERVQ_TAG_KINDS.map(function (name) {
    var option = servqEl('option', {value: name, text: servqText('desk_tag_kind_' + name)});
    option.selected = condition.kind === name;
    return option;
  }));
  var params = servqEl('span', {class: 'rule-params'});
  var inputs = {};
  var draw = function (values) {
    params.textContent = '';
    inputs = {};
    SERVQ_TAG_PARAMS[kind.value].forEach(function (pair) {
      var name = pair[0];
      var value = values[name] === undefined ? pair[1] : values[name];
      var input = name === 'segment'
        ? servqEl('input', {class: 'rule-' + name, size: '14', value: String(value), required: 'required'})
        : servqEl('input', {class: 'rule-' + name, type: 'number', min: '1', step: '1', style: 'width:6rem', value: String(value), required: 'required'});
      inputs[name] = input;
      params.appendChild(servqDeskField('desk_tag_' + name, input, 'margin-right:1rem'));
    });
  };
  kind.addEventListener('change', function () { draw({}); });
  draw(condition);
  block = servqEl('fieldset', {class: 'card-section tag-rule'}, [
    servqEl('legend', {style: 'flex-wrap:wrap'}, [servqEl('span', {class: 'rule-number'}),
      servqDeskField('desk_tag', tag)].concat(servqOrderButtons(function () { return block; }))),
    servqEl('p', {}, [servqEl('label', {style: 'margin-right:1rem'}, [enabled, document.createTextNode(' ' + servqText('desk_tag_enabled'))]),
      servqDeskField('desk_tag_kind', kind, 'margin-right:1rem'), params])
  ]);
  block.servqParts = {tag: tag, enabled: enabled, kind: kind, inputs: function () { return inputs; }};
  return block;
}

function servqTagRulesEditor(editor) {
  var island = JSON.parse(document.getElementById(editor.dataset.source).textContent);
  var rules = servqEl('div', {class: 'tag-rules', id: 'tag-rules'}, (Array.isArray(island) ? island : island.rules || []).map(servqTagRule));
  var body = function () {
    var blocks = servqDeskChildren(rules, 'tag-rule');
    servqDeskNumber(blocks);
    return {rules: blocks.map(function (block, index) {
      var path = 'rules.' + index;
      var parts = block.servqParts;
      var mark = function (el, field) { el.setAttribute('data-field', path + '.' + field); return el; };
      block.setAttribute('data-field', path);
      var condition = {kind: mark(parts.kind, 'condition.kind').value};
      var inputs = parts.inputs();
      Object.keys(inputs).forEach(function (name) {
        var input = mark(inputs[name], 'condition.' + name);
        condition[name] = name === 'segment' ? input.value.trim() : (input.value.trim() === '' ? null : Number(input.value));
      });
      return {tag: mark(parts.tag, 'tag').value.trim(), enabled: parts.enabled.checked, condition: condition};
    })};
  };
  editor.appendChild(servqDeskHint('desk_tag_hint'));
  editor.appendChild(rules);
  editor.appendChild(servqEl('p', {}, [servqEl('button', {type: 'button', class: 'secondary', id: 'add-tag-rule', text: servqText('desk_add_rule'), onclick: function () {
    var block = servqTagRule({tag: '', condition: {kind: 'frequent', contacts: 3, days: 7}});
    rules.appendChild(block);
    block.servqParts.tag.focus();
  }})]));
  servqDeskSaveButton(editor, 'save-tag-rules-form', body);
  servqDeskKeepMarked(editor, body);
}

// --- canned replies -------------------------------------------------------------------------

var SERVQ_REPLY_LANGUAGES = ['zh-CN', 'zh-TW', 'en'];

function servqCannedReply(reply) {
  var block;
  var id = servqEl('input', {class: 'reply-id', size: '14', maxlength: '40', value: reply.id || '', required: 'required'});
  var title = servqEl('input', {class: 'reply-title', size: '20', value: reply.title || '', required: 'required'});
  var language = servqEl('select', {class: 'reply-language'}, SERVQ_REPLY_LANGUAGES.map(function (tag) {
    var option = servqEl('option', {value: tag, text: tag});
    option.selected = (reply.language || document.documentElement.lang) === tag;
    return option;
  }));
  var known = servqDeskCategories.some(function (entry) { return entry.id === reply.category; });
  var category = servqEl('select', {class: 'reply-category'}, [servqEl('option', {value: '', text: servqText('desk_reply_any_category')})]
    .concat(servqDeskCategories.map(function (entry) {
      var option = servqEl('option', {value: entry.id, text: '\u00a0'.repeat(entry.depth * 2) + entry.name});
      option.selected = entry.id === reply.category;
      return option;
    }))
    .concat(reply.category && !known ? [servqEl('option', {value: reply.category, text: reply.category, selected: 'selected'})] : []));
  var body = servqEl('textarea', {class: 'reply-body', rows: '3', cols: '80', text: reply.body || '', required: 'required'});
  block = servqEl('fieldset', {class: 'card-section canned-reply'}, [
    servqEl('legend', {style: 'flex-wrap:wrap'}, [servqEl('span', {class: 'rule-number'}),
      servqDeskField('desk_reply_title', title, 'margin-right:1rem')].concat(servqOrderButtons(function () { return block; }))),
    servqEl('p', {}, [servqDeskField('desk_reply_id', id, 'margin-right:1rem'),
      servqDeskField('desk_reply_language', language, 'margin-right:1rem'),
      servqDeskField('desk_reply_category', category)]),
    servqEl('p', {}, [servqDeskField('desk_reply_body', body)])
  ]);
  block.servqParts = {id: id, title: title, language: language, category: category, body: body};
  return block;
}

function servqCannedRepliesEditor(editor) {
  var island = JSON.parse(document.getElementById(editor.dataset.source).textContent);
  var list = servqEl('div', {class: 'canned-replies', id: 'canned-replies'}, (Array.isArray(island) ? island : island.replies || []).map(servqCannedReply));
  var body = function () {
    var blocks = servqDeskChildren(list, 'canned-reply');
    servqDeskNumber(blocks);
    return {replies: blocks.map(function (block, index) {
      var path = 'replies.' + index;
      var parts = block.servqParts;
      var mark = function (el, field) { el.setAttribute('data-field', path + '.' + field); return el; };
      block.setAttribute('data-field', path);
      return {id: mark(parts.id, 'id').value.trim(), title: mark(parts.title, 'title').value.trim(),
        language: mark(parts.language, 'language').value, category: mark(parts.category, 'category').value,
        body: mark(parts.body, 'body').value.trim()};
    })};
  };
  editor.appendChild(servqDeskHint('desk_reply_hint'));
  editor.appendChild(list);
  editor.appendChild(servqEl('p', {}, [servqEl('button', {type: 'button', class: 'secondary', id: 'add-canned-reply', text: servqText('desk_add_reply'), onclick: function () {
    var block = servqCannedReply({});
    list.appendChild(block);
    block.servqParts.title.focus();
  }})]));
  servqDeskSaveButton(editor, 'save-canned-replies-form', body);
  servqDeskKeepMarked(editor, body);
}

document.querySelectorAll('[data-editor="categories"]').forEach(servqCategoriesEditor);
document.querySelectorAll('[data-editor="workflows"]').forEach(servqWorkflowsEditor);
document.querySelectorAll('[data-editor="policy"]').forEach(servqPolicyEditor);
document.querySelectorAll('[data-editor="routing"]').forEach(servqRoutingEditor);
document.querySelectorAll('[data-editor="tag_rules"]').forEach(servqTagRulesEditor);
document.querySelectorAll('[data-editor="canned_replies"]').forEach(servqCannedRepliesEditor);
