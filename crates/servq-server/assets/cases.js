// The case library's two interactive pages (served as /assets/cases.js):
// - the tree editor (/kb/cases/new, /kb/cases/{id}/edit): the case's nodes drawn as a nested
//   list from data-case; each node can get a child, move up or down among its siblings, move
//   under another parent, or be deleted with what follows it; saving sends the whole tree;
// - the walk (/kb/cases/{id}/walk): from the root, the customer speaks, the trainee picks what
//   to say (the recommended or the avoided wording, in random order) and is told which was
//   right, then follows one of the customer's next questions, to a resolution or a closing;
//   the path and the missed nodes are sent for the path statistics.
// Texts are set with textContent: case wording is user text.
(function () {
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }
  function childrenOf(nodes, id) { return nodes.filter(function (n) { return n.parent === id; }); }

  // ---- the tree editor ----
  var editor = document.getElementById('case-editor');
  if (editor) {
    var data = JSON.parse(editor.dataset.case);
    var kinds = JSON.parse(editor.dataset.kinds);
    var nodes = data.nodes;
    var form = document.getElementById('case-form');
    document.getElementById('case-id').value = data.id;
    document.getElementById('case-title').value = data.title;
    document.getElementById('case-kind').value = data.kind;
    document.getElementById('case-category').value = data.category;
    document.getElementById('case-summary').value = data.summary;
    var nextId = function () { return nodes.reduce(function (m, n) { return Math.max(m, n.id); }, 0) + 1; };
    var descendants = function (id) {
      var out = [id];
      childrenOf(nodes, id).forEach(function (c) { out = out.concat(descendants(c.id)); });
      return out;
    };
    // named as the node's place in the tree sent (`nodes.2.agent`), so a refusal marks it
    var field = function (name, label, value, rows, onInput, list) {
      var wrap = el('label', 'node-field');
      wrap.appendChild(document.createTextNode(label));
      var input;
      if (list) {
        input = el('input');
        input.setAttribute('list', list);
        input.size = 50;
      } else {
        input = el('textarea');
        input.rows = rows;
        input.cols = 60;
      }
      input.name = name;
      input.value = value || '';
      input.addEventListener('input', function () { onInput(input.value); });
      wrap.appendChild(el('br'));
      wrap.appendChild(input);
      return wrap;
    };
    var draw = function () {
      editor.textContent = '';
      var order = [];
      var walk = function (id, depth) {
        childrenOf(nodes, id).forEach(function (n) { order.push([n, depth]); walk(n.id, depth + 1); });
      };
      walk(null, 0);
      order.forEach(function (pair, position) {
        var n = pair[0];
        var item = el('li', 'case-node depth-' + pair[1]);
        item.dataset.node = n.id;
        var head = el('p', 'filters');
        var kind = el('select', 'node-kind');
        kinds.forEach(function (k) {
          var o = el('option', '', k[1]);
          o.value = k[0];
          kind.appendChild(o);
        });
        kind.value = n.kind;
        kind.setAttribute('aria-label', '#' + n.id);
        kind.addEventListener('change', function () { n.kind = kind.value; });
        head.appendChild(el('strong', '', '#' + n.id + ' '));
        head.appendChild(kind);
        if (n.parent !== null) {
          var parentLabel = el('label', '', ' ' + editor.dataset.parent + ' ');
          var parent = el('select', 'node-parent');
          nodes.filter(function (p) { return descendants(n.id).indexOf(p.id) < 0; }).forEach(function (p) {
            var o = el('option', '', '#' + p.id + ' ' + (p.customer || p.agent || '').slice(0, 16));
            o.value = p.id;
            parent.appendChild(o);
          });
          parent.value = n.parent;
          parent.name = 'nodes.' + nodes.indexOf(n) + '.parent';
          parent.addEventListener('change', function () { n.parent = Number(parent.value); draw(); });
          parentLabel.appendChild(parent);
          head.appendChild(parentLabel);
        } else {
          head.appendChild(el('span', 'muted', ' ' + editor.dataset.root));
        }
        var button = function (label, cls, run) {
          var b = el('button', 'link ' + cls, label);
          b.type = 'button';
          b.addEventListener('click', run);
          head.appendChild(document.createTextNode(' '));
          head.appendChild(b);
        };
        button(editor.dataset.add, 'add-child', function () {
          nodes.push({id: nextId(), parent: n.id, kind: 'question', customer: '', agent: '', avoid: ''});
          draw();
        });
        var siblings = nodes.filter(function (s) { return s.parent === n.parent; });
        var move = function (step) {
          var at = nodes.indexOf(n);
          var sibling = siblings[siblings.indexOf(n) + step];
          if (!sibling) { return; }
          var other = nodes.indexOf(sibling);
          nodes[at] = sibling;
          nodes[other] = n;
          draw();
        };
        button(editor.dataset.up, 'move-up', function () { move(-1); });
        button(editor.dataset.down, 'move-down', function () { move(1); });
        if (n.parent !== null) {
          button(editor.dataset.delete, 'delete-node', function () {
            var gone = descendants(n.id);
            nodes = nodes.filter(function (x) { return gone.indexOf(x.id) < 0; });
            draw();
          });
        }
        item.appendChild(head);
        var at = 'nodes.' + nodes.indexOf(n) + '.';
        kind.name = at + 'kind';
        item.appendChild(field(at + 'customer', editor.dataset.customer, n.customer, 2, function (v) { n.customer = v; }));
        item.appendChild(field(at + 'agent', editor.dataset.agent, n.agent, 2, function (v) { n.agent = v; }));
        item.appendChild(field(at + 'avoid', editor.dataset.avoid, n.avoid, 1, function (v) { n.avoid = v; }, 'forbidden-phrases'));
        item.dataset.position = position;
        editor.appendChild(item);
      });
    };
    draw();
    document.getElementById('save-case').addEventListener('click', function (event) {
      var id = document.getElementById('case-id').value.trim();
      servqLastForm = form;
      servqSend('PUT', event.target.dataset.url + encodeURIComponent(id), {
        title: document.getElementById('case-title').value,
        kind: document.getElementById('case-kind').value,
        category: document.getElementById('case-category').value,
        summary: document.getElementById('case-summary').value,
        source_contact: data.source_contact || '',
        nodes: nodes
      }, '/kb/cases/' + encodeURIComponent(id));
    });
  }

  // ---- the walk ----
  var stage = document.getElementById('case-walk');
  if (stage) {
    var walkCase = JSON.parse(stage.dataset.case);
    var all = walkCase.nodes;
    var path = [];
    var missed = [];
    var say = stage.dataset;
    var step = function (node) {
      path.push(node.id);
      var box = el('div', 'walk-step');
      box.dataset.node = node.id;
      if (node.customer) { box.appendChild(el('p', 'customer-line', say.customer + '：' + node.customer)); }
      var next = function () {
        var children = childrenOf(all, node.id);
        if (!children.length) {
          var finish = el('button', '', say.finish);
          finish.type = 'button';
          finish.id = 'finish-walk';
          finish.addEventListener('click', function () {
            finish.disabled = true;
            servqRequest('POST', stage.dataset.url, {path: path, missed: missed}).then(function (p) {
              if (!p[0]) { servqProblem(p[1]); return; }
              var done = el('p', 'notice ok', say.done + ' ' + say.missed.replace('{n}', missed.length));
              done.id = 'walk-done';
              stage.appendChild(done);
              var again = el('a', 'button secondary', say.again);
              again.href = location.pathname;
              stage.appendChild(again);
            });
          });
          box.appendChild(finish);
          return;
        }
        box.appendChild(el('p', 'muted', say.next));
        var choices = el('div', 'walk-choices');
        children.forEach(function (child) {
          var b = el('button', 'secondary walk-branch', child.customer || child.agent);
          b.type = 'button';
          b.dataset.node = child.id;
          b.addEventListener('click', function () {
            choices.querySelectorAll('button').forEach(function (x) { x.disabled = true; });
            b.classList.add('chosen');
            step(child);
          });
          choices.appendChild(b);
        });
        box.appendChild(choices);
      };
      if (node.avoid) {
        box.appendChild(el('p', 'muted', say.say));
        var options = [[node.agent, true], [node.avoid, false]];
        if (Math.random() < 0.5) { options.reverse(); }
        var answers = el('div', 'walk-choices');
        options.forEach(function (o) {
          var b = el('button', 'secondary walk-say', o[0]);
          b.type = 'button';
          b.dataset.right = o[1] ? 'yes' : 'no';
          b.addEventListener('click', function () {
            answers.querySelectorAll('button').forEach(function (x) { x.disabled = true; });
            if (!o[1]) { missed.push(node.id); }
            var verdict = el('p', o[1] ? 'notice ok walk-verdict' : 'notice warn walk-verdict',
              (o[1] ? say.right : say.wrong) + ' ' + say.recommended + '：' + node.agent);
            box.appendChild(verdict);
            next();
          });
          answers.appendChild(b);
        });
        box.appendChild(answers);
      } else {
        box.appendChild(el('p', 'agent-line', say.recommended + '：' + node.agent));
        next();
      }
      stage.appendChild(box);
    };
    var root = all.filter(function (n) { return n.parent === null; })[0];
    if (root) { step(root); }
  }
})();
