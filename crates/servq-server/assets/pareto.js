// The Pareto page's charts (served as /assets/pareto.js, after echarts and #pareto-data): cases
// per problem as bars with the cumulative share and the cutoff line, and the frequency × impact
// matrix coloured by the CSAT gap. Tooltips on the canvas (the Content-Security-Policy refuses
// ECharts' HTML tooltip styles).
(function () {
  var d = JSON.parse(document.getElementById('pareto-data').textContent);
  var percent = function (v) { return Math.round(v * 100) + '%'; };
  var charts = {};
  var bars = echarts.init(document.getElementById('pareto-chart'));
  bars.setOption({
    tooltip: {trigger: 'axis', renderMode: 'richText'}, legend: {top: 0, right: 0},
    grid: {left: 8, right: 8, top: 40, bottom: 16, containLabel: true},
    xAxis: {type: 'category', data: d.names, axisLabel: {interval: 0, rotate: d.names.length > 6 ? 30 : 0}},
    yAxis: [{type: 'value', name: d.text.cases}, {type: 'value', min: 0, max: 1, axisLabel: {formatter: percent}}],
    series: [
      {name: d.text.cases, type: 'bar', data: d.cases, itemStyle: {color: '#a8c5e8'}},
      {name: d.text.cumulative, type: 'line', yAxisIndex: 1, data: d.cumulative,
        markLine: {silent: true, symbol: 'none', lineStyle: {type: 'dashed', color: '#b3261e'},
          label: {formatter: percent(d.cutoff)}, data: [{yAxis: d.cutoff}]}}
    ]
  });
  charts.pareto = bars;
  var gaps = d.matrix.map(function (m) { return m[3]; }).filter(function (g) { return g !== null; });
  var matrix = echarts.init(document.getElementById('matrix-chart'));
  matrix.setOption({
    tooltip: {renderMode: 'richText', formatter: function (p) { return p.data[2]; }},
    grid: {left: 8, right: 24, top: 32, bottom: 28, containLabel: true},
    xAxis: {type: 'value', name: d.text.frequency, nameLocation: 'middle', nameGap: 24},
    yAxis: {type: 'value', name: d.text.impact},
    visualMap: gaps.length ? {dimension: 3, min: Math.min.apply(null, gaps.concat([0])), max: 0, text: [d.text.csat_gap, ''],
      inRange: {color: ['#b3261e', '#f5a623', '#1f5fbf']}, orient: 'horizontal', left: 'center', top: 0, itemHeight: 100} : undefined,
    series: [{type: 'scatter', symbolSize: 14, data: d.matrix,
      label: {show: true, position: 'right', formatter: function (p) { return p.data[2]; }}}]
  });
  charts.matrix = matrix;
  window.servqParetoCharts = charts;
  window.addEventListener('resize', function () { bars.resize(); matrix.resize(); });
})();
