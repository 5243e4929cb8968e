// The driver analysis page's charts (served as /assets/analysis.js, after echarts and the
// #drivers-charts island): relative weights, importance × performance, residuals against fitted
// values, the correlation heat map. Tooltips are drawn on the canvas (renderMode 'richText'):
// the Content-Security-Policy refuses the style attributes of ECharts' HTML tooltip.
(function () {
  var d = JSON.parse(document.getElementById('drivers-charts').textContent);
  var charts = {};
  function chart(id, option) {
    var el = document.getElementById(id);
    if (!el) { return; }
    var c = echarts.init(el);
    option.tooltip = Object.assign({renderMode: 'richText'}, option.tooltip || {});
    c.setOption(option);
    charts[id] = c;
  }
  var percent = function (v) { return Math.round(v * 100) + '%'; };
  chart('weights-chart', {
    grid: {left: 8, right: 24, top: 8, bottom: 8, containLabel: true},
    tooltip: {trigger: 'axis', valueFormatter: percent},
    xAxis: {type: 'value', max: 1, axisLabel: {formatter: percent}},
    yAxis: {type: 'category', inverse: true, data: d.weights.map(function (w) { return w.name; })},
    series: [{name: d.text.weights, type: 'bar', data: d.weights.map(function (w) { return w.share; }),
      label: {show: true, position: 'right', formatter: function (p) { return percent(p.value); }}}]
  });
  chart('quadrant-chart', {
    grid: {left: 8, right: 24, top: 32, bottom: 28, containLabel: true},
    tooltip: {formatter: function (p) { return p.data[2]; }},
    xAxis: {type: 'value', name: d.text.performance, nameLocation: 'middle', nameGap: 24},
    yAxis: {type: 'value', name: d.text.importance, min: 0, max: 1},
    series: [{type: 'scatter', symbolSize: 12,
      data: d.quadrant.map(function (q) { return [q.performance, q.importance, q.name]; }),
      label: {show: true, position: 'right', formatter: function (p) { return p.data[2]; }},
      markLine: {silent: true, symbol: 'none', lineStyle: {type: 'dashed', color: '#98a2b3'},
        data: [{xAxis: 0}, {yAxis: d.quadrant.reduce(function (s, q) { return s + q.importance; }, 0) / Math.max(d.quadrant.length, 1)}]}}]
  });
  chart('residuals-chart', {
    grid: {left: 8, right: 24, top: 32, bottom: 28, containLabel: true},
    tooltip: {formatter: function (p) { return p.data[2] + ': ' + p.data[1].toFixed(3); }},
    xAxis: {type: 'value', scale: true, name: d.text.fitted, nameLocation: 'middle', nameGap: 24},
    yAxis: {type: 'value', name: d.text.residual},
    series: [{type: 'scatter', data: d.residuals, symbolSize: 8,
      markLine: {silent: true, symbol: 'none', data: [{yAxis: 0}]}}]
  });
  if (d.correlation) {
    var cells = [];
    d.correlation.r.forEach(function (row, i) {
      row.forEach(function (r, j) { cells.push([j, i, r === null ? '-' : Math.round(r * 100) / 100]); });
    });
    chart('correlation-chart', {
      grid: {left: 8, right: 8, top: 8, bottom: 64, containLabel: true},
      xAxis: {type: 'category', data: d.correlation.names, axisLabel: {rotate: 40, interval: 0}},
      yAxis: {type: 'category', data: d.correlation.names, inverse: true, axisLabel: {interval: 0}},
      visualMap: {min: -1, max: 1, calculable: false, orient: 'horizontal', left: 'center', bottom: 0,
        inRange: {color: ['#b3261e', '#f7f7f7', '#1f5fbf']}, itemHeight: 120},
      series: [{type: 'heatmap', data: cells, label: {show: true, fontSize: 10}}]
    });
  }
  window.servqDriverCharts = charts;
  window.addEventListener('resize', function () { Object.keys(charts).forEach(function (k) { charts[k].resize(); }); });
})();
