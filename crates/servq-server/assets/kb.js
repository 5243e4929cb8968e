// The knowledge base's search as you type (/kb and the KB panel of /tickets/{id}; served as
// /assets/kb.js): after a short pause
// the query goes to /api/v1/kb/search and the list is redrawn — titles as text, snippets as the
// server's HTML (matches in <mark>, the rest escaped there). Stale answers are dropped.
(function () {
  var input = document.getElementById('kb-q');
  var list = document.getElementById('kb-results');
  if (!input || !list) { return; }
  var timer = null;
  var asked = 0;
  function draw(results) {
    list.textContent = '';
    if (!results.length) {
      var none = document.createElement('li');
      none.className = 'empty';
      none.textContent = input.dataset.empty;
      list.appendChild(none);
      return;
    }
    results.forEach(function (r) {
      var item = document.createElement('li');
      var link = document.createElement('a');
      link.href = '/kb/' + encodeURIComponent(r.id);
      link.textContent = r.title;
      var snippet = document.createElement('span');
      snippet.className = 'snippet';
      snippet.innerHTML = r.snippet;
      item.appendChild(link);
      // on a ticket: "used this" records the article (and the version read) on the ticket
      if (list.dataset.linkUrl) {
        var used = document.createElement('button');
        used.type = 'button';
        used.className = 'secondary use-article';
        used.textContent = list.dataset.linkLabel;
        used.dataset.action = 'send';
        used.dataset.method = 'PUT';
        used.dataset.url = list.dataset.linkUrl + encodeURIComponent(r.id);
        used.dataset.next = 'reload';
        item.appendChild(document.createTextNode(' '));
        item.appendChild(used);
      }
      item.appendChild(document.createElement('br'));
      item.appendChild(snippet);
      list.appendChild(item);
    });
  }
  function search() {
    var query = input.value.trim();
    if (!query) { list.textContent = ''; return; }
    var mine = ++asked;
    fetch('/api/v1/kb/search?limit=' + (input.dataset.limit || 10) + '&q=' + encodeURIComponent(query), {credentials: 'same-origin'})
      .then(function (r) { return r.json(); })
      .then(function (answer) { if (mine === asked && answer.results) { draw(answer.results); } });
  }
  input.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(search, 150);
  });
  // a panel filled in advance (the ticket's category and subject) suggests at once
  if (input.value.trim() && !list.children.length) { search(); }
})();
