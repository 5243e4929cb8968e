// The staffing page (served as /assets/planning.js): the forecast chart, the what-if (agents
// edited per interval, recalculated by POST /api/v1/planning/day/evaluate) and the quick Erlang
// calculator (GET /api/v1/planning/staffing). Tooltips are drawn on the canvas (renderMode
// 'richText'): the Content-Security-Policy refuses ECharts' HTML tooltip styles.
(function () {
  var text = JSON.parse(document.getElementById('plan-text').textContent);
  var percent = function (v) { return v === null || v === undefined ? '—' : (v * 100).toFixed(1) + '%'; };
  var whole = function (v) { return v === null || v === undefined ? '—' : String(Math.round(v)); };
  var chartData = document.getElementById('plan-chart-data');
  if (chartData) {
    var d = JSON.parse(chartData.textContent);
    var chart = echarts.init(document.getElementById('plan-chart'));
    chart.setOption({
      tooltip: {trigger: 'axis', renderMode: 'richText'}, legend: {},
      xAxis: {type: 'category', data: d.starts},
      yAxis: [{type: 'value', name: d.text.forecast}, {type: 'value', name: d.text.agents}],
      series: [
        {name: d.text.agents, type: 'bar', yAxisIndex: 1, data: d.agents, itemStyle: {color: '#a8c5e8'}},
        {name: d.text.forecast, type: 'line', data: d.forecast},
        {name: d.text.actual, type: 'line', data: d.actual}
      ]
    });
    window.servqPlanChart = chart;
    window.addEventListener('resize', function () { chart.resize(); });
    var request = JSON.parse(document.getElementById('plan-request').textContent);
    document.getElementById('recalculate').addEventListener('click', function () {
      var body = Object.assign({}, request, {agents_by_interval: {}});
      document.querySelectorAll('#plan-rows tbody tr').forEach(function (row) {
        body.agents_by_interval[row.dataset.start] = Math.max(0, parseInt(row.querySelector('.plan-agents').value, 10) || 0);
      });
      servqRequest('POST', '/api/v1/planning/day/evaluate', body).then(function (p) {
        if (!p[0]) { servqProblem(p[1]); return; }
        var byStart = {};
        p[1].intervals.forEach(function (interval) { byStart[interval.start] = interval; });
        document.querySelectorAll('#plan-rows tbody tr').forEach(function (row) {
          var interval = byStart[row.dataset.start];
          if (!interval) { return; }
          row.querySelector('.plan-staff').textContent = whole(interval.staff_with_shrinkage);
          row.querySelector('.plan-sl').textContent = percent(interval.service_level);
          row.querySelector('.plan-asa').textContent = whole(interval.asa_seconds);
          row.querySelector('.plan-occupancy').textContent = percent(interval.occupancy);
          row.querySelector('.plan-abandon').textContent = percent(interval.abandon_probability);
        });
        var totals = p[1].totals;
        document.getElementById('what-if-total').textContent =
          d.text.saved.replace('{agent_hours}', totals.agent_hours.toFixed(1)).replace('{sl}', percent(totals.service_level));
        var option = chart.getOption();
        option.series[0].data = d.starts.map(function (start) { return byStart[start] ? byStart[start].agents : 0; });
        chart.setOption({series: option.series});
      });
    });
  }
  document.getElementById('calculator').addEventListener('submit', function (event) {
    event.preventDefault();
    var f = event.target;
    var query = new URLSearchParams({
      calls: f.calls.value, aht: f.aht.value, interval: f.interval.value,
      target_sl: String(Number(f.sl.value) / 100), target_time: f.target_time.value
    });
    servqRequest('GET', '/api/v1/planning/staffing?' + query.toString()).then(function (p) {
      if (!p[0]) { servqProblem(p[1]); return; }
      var r = p[1];
      document.getElementById('calculator-result').textContent = text.result
        .replace('{agents}', r.agents).replace('{sl}', percent(r.service_level))
        .replace('{asa}', whole(r.asa_seconds)).replace('{occupancy}', percent(r.occupancy));
    });
  });
})();
