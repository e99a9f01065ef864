(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('fc-data').textContent);
  var S = D.summary;
  var PALETTE = ['#3056d3', '#0f9d8a', '#c2417a', '#e07b00', '#6a4fc9', '#2f8f2f', '#b03a2e', '#1c7fb6', '#8a6d00', '#555e70'];
  var FAMILY = {
    pass: 'pass', unsupported: 'uns', flaky: 'flaky', provider_error: 'err', stale_cassette: 'stale',
    no_call: 'sel', unexpected_call: 'sel', wrong_function: 'sel', hallucinated_function: 'sel',
    missing_call: 'sel', extra_call: 'sel', invalid_arguments_json: 'arg', schema_violation: 'arg',
    missing_argument: 'arg', unexpected_argument: 'arg', wrong_value: 'arg', wrong_type: 'arg',
    text_mismatch: 'text'
  };
  var LEGEND = [['pass', 'pass'], ['sel', 'wrong / missing / extra call'], ['arg', 'wrong arguments'],
    ['text', 'text mismatch'], ['err', 'provider error'], ['stale', 'stale cassette'],
    ['uns', 'unsupported'], ['flaky', 'flaky (trials differ)']];

  function $(sel, el) { return (el || document).querySelector(sel); }
  function esc(s) {
    return String(s == null ? '' : s).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }
  function pct(v) { return v == null ? '–' : (100 * v).toFixed(1) + '%'; }
  function ms(v) { return v == null ? '–' : Math.round(v).toLocaleString('en-US') + ' ms'; }
  function num(v) { return v == null ? '–' : Number(v).toLocaleString('en-US'); }
  function usd(v) { return v == null ? '–' : (v < 1 ? '$' + v.toFixed(4) : '$' + v.toFixed(2)); }
  function json(v) { return v === undefined ? '' : JSON.stringify(v, null, 2); }
  function fam(kind) { return FAMILY[kind] || 'sel'; }
  // why a `stale` row was not run: no cassette, an old one (--max-age), or one that no longer matches
  function staleReason(r) {
    var text = (r.error || '') + ' ' + r.failures.map(function (f) { return f.message || ''; }).join(' ');
    if (/(^|\s)no cassette at /.test(text)) return 'missing';
    if (/ is too old: | has no recording date /.test(text)) return 'old';
    return 'changed';
  }
  var STALE_LABEL = { missing: 'no cassette', old: 'cassette too old', changed: 'stale' };
  var STALE_WHY = {
    missing: 'not run: no cassette was recorded for this case and provider',
    old: 'not run: the cassette is older than the --max-age limit (or undated)',
    changed: 'not run: the cassette no longer matches the case'
  };
  function isEmu(p) { return p.indexOf('emulator-') === 0; }
  function color(p) { return PALETTE[D.providers.indexOf(p) % PALETTE.length]; }
  function isLocal(p) { return !!(S.providers[p] && S.providers[p].local_model); }
  function label(p) {
    if (isEmu(p)) return esc(p) + ' <span class="badge emu" title="recorded from the local emulator, not a real vendor">emulator</span>';
    if (isLocal(p)) return esc(p) + ' <span class="badge local" title="a real open-weight model on a local server (llama.cpp), not the emulator and not a hosted vendor">local model</span>';
    return esc(p);
  }
  function kindBadge(kind) { return '<span class="kind k-' + fam(kind) + '">' + esc(kind) + '</span>'; }

  // ---- index results: case -> provider -> trials
  var grid = {};
  D.results.forEach(function (r) {
    (grid[r.c] = grid[r.c] || {});
    (grid[r.c][r.p] = grid[r.c][r.p] || []).push(r);
  });
  Object.keys(grid).forEach(function (c) {
    Object.keys(grid[c]).forEach(function (p) { grid[c][p].sort(function (a, b) { return a.trial - b.trial; }); });
  });
  var caseIds = Object.keys(D.cases).sort();

  function cellInfo(trials) {
    var kinds = {}, passes = 0, counted = 0;
    trials.forEach(function (t) {
      kinds[t.kind] = 1;
      if (t.status !== 'unsupported') counted++;
      if (t.status === 'pass') passes++;
    });
    var ks = Object.keys(kinds);
    var n = trials.length;
    if (ks.length === 1) {
      var k = ks[0];
      var lab = k === 'pass' ? '✓ pass' : k === 'unsupported' ? 'unsupported' : k === 'provider_error' ? 'provider error' : k === 'stale_cassette' ? STALE_LABEL[staleReason(trials[0])] : k.replace(/_/g, ' ');
      if (n > 1 && k !== 'unsupported') lab += ' ' + passes + '/' + counted;
      return { kind: k, label: lab, status: trials[0].status };
    }
    return { kind: 'flaky', label: 'flaky ' + passes + '/' + counted, status: 'flaky' };
  }

  // ---- filters
  var F = { providers: {}, category: '', tag: '', kind: '', q: '' };
  D.providers.forEach(function (p) { F.providers[p] = true; });
  function visibleProviders() { return D.providers.filter(function (p) { return F.providers[p]; }); }
  var ANY_FAILURE = '@any-failure', DISAGREE = '@disagree';
  function isFailure(t) { return t.status === 'fail' || t.status === 'error' || t.status === 'stale'; }
  // as the disagreement table counts: among the visible providers with graded (pass/fail)
  // results — at least two — some pass and some fail (a flaky provider counts for its share)
  function disagrees(cid) {
    var n = 0, passing = 0;
    visibleProviders().forEach(function (p) {
      var graded = (grid[cid][p] || []).filter(function (t) { return t.status === 'pass' || t.status === 'fail'; });
      if (!graded.length) return;
      n++;
      passing += graded.filter(function (t) { return t.status === 'pass'; }).length / graded.length;
    });
    return n >= 2 && passing > 0 && n - passing > 0;
  }
  function caseMatches(cid) {
    var c = D.cases[cid];
    if (F.category && c.category !== F.category) return false;
    if (F.tag && (c.tags || []).indexOf(F.tag) < 0) return false;
    if (F.q) {
      var q = F.q.toLowerCase();
      var text = (cid + ' ' + (c.case.messages || []).map(function (m) { return m.content || ''; }).join(' ')).toLowerCase();
      if (text.indexOf(q) < 0) return false;
    }
    if (F.kind === ANY_FAILURE) {
      if (!visibleProviders().some(function (p) { return (grid[cid][p] || []).some(isFailure); })) return false;
    } else if (F.kind === DISAGREE) {
      if (!disagrees(cid)) return false;
    } else if (F.kind) {
      var hit = visibleProviders().some(function (p) {
        return (grid[cid][p] || []).some(function (t) { return t.kind === F.kind || (F.kind === 'flaky' && cellInfo(grid[cid][p]).kind === 'flaky'); });
      });
      if (!hit) return false;
    }
    return true;
  }

  function options(sel, values, all) {
    sel.innerHTML = '<option value="">' + all + '</option>' + values.map(function (v) { return '<option>' + esc(v) + '</option>'; }).join('');
  }

  function initFilters() {
    var chips = $('#f-providers');
    chips.innerHTML = D.providers.map(function (p) {
      return '<button class="chip on" data-p="' + esc(p) + '" style="--pc:' + color(p) + '"><span class="dot"></span>' + esc(p) + '</button>';
    }).join('');
    chips.addEventListener('click', function (e) {
      var b = e.target.closest('.chip'); if (!b) return;
      var p = b.getAttribute('data-p');
      F.providers[p] = !F.providers[p];
      b.classList.toggle('on', F.providers[p]);
      renderAll();
    });
    var cats = {}, tags = {}, kinds = {};
    caseIds.forEach(function (c) { cats[D.cases[c].category] = 1; (D.cases[c].tags || []).forEach(function (t) { tags[t] = 1; }); });
    D.results.forEach(function (r) { kinds[r.kind] = 1; });
    kinds.flaky = S.trials > 1 ? 1 : undefined;
    options($('#f-category'), Object.keys(cats).sort(), 'all categories');
    options($('#f-tag'), Object.keys(tags).sort(), 'all tags');
    options($('#f-kind'), Object.keys(kinds).filter(function (k) { return kinds[k]; }).sort(), 'any outcome');
    $('#f-kind').insertAdjacentHTML('beforeend', '<optgroup label="across providers"><option value="' + ANY_FAILURE +
      '">any failure</option><option value="' + DISAGREE + '">providers disagree</option></optgroup>');
    [['#f-category', 'category'], ['#f-tag', 'tag'], ['#f-kind', 'kind']].forEach(function (x) {
      $(x[0]).addEventListener('change', function (e) { F[x[1]] = e.target.value; renderAll(); });
    });
    $('#f-search').addEventListener('input', function (e) { F.q = e.target.value.trim(); renderAll(); });
  }

  // ---- header and cards
  function renderHeader() {
    $('#title').textContent = D.title;
    var bits = [S.cases + ' cases', D.providers.length + ' providers', S.rows + ' results'];
    if (S.trials > 1) bits.push('up to ' + S.trials + ' trials');
    ['generated_at', 'started_at', 'finished_at'].forEach(function (k) { if (D.meta && D.meta[k]) bits.push(k.replace('_at', '') + ' ' + D.meta[k]); });
    $('#subtitle').textContent = bits.join(' · ');
    if (D.providers.some(isEmu)) {
      $('#banner').innerHTML = '<div class="note">Providers marked <b>emulator</b> replay traffic of fc-harness\'s local emulator — not a real vendor\'s answers.</div>';
    }
    if (D.providers.some(isLocal)) {
      $('#banner').innerHTML += '<div class="note">Providers marked <b>local model</b> replay a real open-weight model served locally by llama.cpp — real model output, neither the emulator nor a hosted vendor.</div>';
    }
    $('#counting').textContent = 'Counting: ' + S.counting + '. Cost uses the [prices] table of fcharness.toml (USD per million tokens).';
  }

  function renderCards() {
    $('#cards').innerHTML = visibleProviders().map(function (p) {
      var m = S.providers[p], sc = m.status_counts, t = m.trials;
      var st = ['fail', 'error', 'stale', 'unsupported'].filter(function (k) { return sc[k]; }).map(function (k) {
        var kk = { fail: 'sel', error: 'err', stale: 'stale', unsupported: 'uns' }[k];
        return '<span class="kind k-' + kk + '">' + sc[k] + ' ' + k + '</span>';
      }).join('');
      var rows = [
        ['tool selection', pct(m.tool_selection_accuracy)], ['arguments', pct(m.argument_accuracy)],
        ['schema valid', pct(m.schema_valid_rate)], ['irrelevance', pct(m.irrelevance_accuracy)],
        ['latency p50 / p95', ms(m.latency_ms.p50) + ' / ' + ms(m.latency_ms.p95)],
        ['tokens in / out', num(m.tokens.input) + ' / ' + num(m.tokens.output)],
        ['est. cost', usd(m.cost.usd)]
      ];
      if (t.trials > 1) {
        rows.push(['pass@1 (mean)', pct(t.mean_pass_at_1)]);
        rows.push(['pass^' + t.k, pct(t.pass_hat_k)]);
        rows.push(['flaky cases', String(t.flaky.length)]);
      }
      return '<div class="card" style="--pc:' + color(p) + '"><h3>' + label(p) + '</h3>' +
        '<div class="model">' + esc(m.model) + ' · ' + esc(m.kind) + '</div>' +
        '<div class="big">' + pct(m.pass_rate) + ' <small>' + m.passed + ' / ' + m.counted + ' pass</small></div>' +
        '<div class="bar"><i style="width:' + (100 * (m.pass_rate || 0)).toFixed(1) + '%"></i></div>' +
        '<dl>' + rows.map(function (r) { return '<dt>' + r[0] + '</dt><dd>' + r[1] + '</dd>'; }).join('') + '</dl>' +
        (st ? '<div class="statuses">' + st + '</div>' : '') + '</div>';
    }).join('');
  }

  // ---- chart
  var chartMetric = 'pass_rate';
  function renderChart() {
    var ps = visibleProviders();
    var html = '';
    Object.keys(S.categories).forEach(function (cat) {
      if (F.category && cat !== F.category) return;
      html += '<div class="cat">' + esc(cat) + '<small>' + S.categories[cat].counted + ' results</small></div><div class="bars">';
      ps.forEach(function (p) {
        var c = S.providers[p].categories[cat];
        var v = c ? c[chartMetric] : null;
        html += '<div class="brow" style="--pc:' + color(p) + '"><div class="btrack" title="' + esc(p) + '">' +
          '<div class="bfill" style="width:' + (v == null ? 0 : 100 * v).toFixed(1) + '%"></div><span>' + esc(p) + '</span></div>' +
          '<div class="bval">' + (c ? pct(v) : 'n/a') + '</div></div>';
      });
      html += '</div>';
    });
    $('#chart').innerHTML = html || '<p class="muted">No categories.</p>';
  }

  // ---- heatmap
  function renderHeatmap() {
    var ps = visibleProviders();
    var cids = caseIds.filter(caseMatches);
    var head = '<thead><tr><th class="case">case</th>' + ps.map(function (p) {
      return '<th style="border-bottom:3px solid ' + color(p) + '">' + label(p) + '</th>';
    }).join('') + '</tr></thead>';
    var body = cids.map(function (cid) {
      var c = D.cases[cid];
      var prompt = (c.case.messages || []).filter(function (m) { return m.role === 'user'; }).map(function (m) { return m.content; })[0] || '';
      return '<tr><th class="case"><span class="cid">' + esc(cid) + '</span> <span class="badge">' + esc(c.category) + '</span>' +
        '<span class="prompt" title="' + esc(prompt) + '">' + esc(prompt) + '</span></th>' +
        ps.map(function (p) {
          var trials = grid[cid][p];
          if (!trials) return '<td class="cell k-uns" data-case="' + esc(cid) + '" data-provider="' + esc(p) + '" data-status="missing">no result</td>';
          var info = cellInfo(trials);
          return '<td class="cell k-' + fam(info.kind) + '" data-case="' + esc(cid) + '" data-provider="' + esc(p) +
            '" data-status="' + info.status + '" data-kind="' + esc(info.kind) + '" title="' + esc(cid + ' · ' + p + ': ' + info.label) + '">' + esc(info.label) + '</td>';
        }).join('') + '</tr>';
    }).join('');
    $('#heatmap').innerHTML = head + '<tbody>' + body + '</tbody>';
    $('#heat-count').textContent = cids.length + ' of ' + caseIds.length + ' cases';
  }

  // ---- tables
  function table(el, headers, rows, opts) {
    opts = opts || {};
    el.innerHTML = '<thead><tr>' + headers.map(function (h) { return '<th>' + h + '</th>'; }).join('') + '</tr></thead><tbody>' +
      rows.map(function (r) {
        var attrs = r.attrs || '';
        return '<tr' + attrs + '>' + r.cells.map(function (c) {
          return '<td' + (c.num ? ' class="num"' : '') + ' data-v="' + esc(c.v) + '">' + c.h + '</td>';
        }).join('') + '</tr>';
      }).join('') + '</tbody>';
    if (!rows.length && opts.empty) el.innerHTML += '<tbody><tr><td colspan="' + headers.length + '" class="muted">' + opts.empty + '</td></tr></tbody>';
  }
  function N(v, h) { return { v: v == null ? -1 : v, h: h, num: true }; }
  function T(v, h) { return { v: v, h: h == null ? esc(v) : h }; }

  function renderMetrics() {
    table($('#metrics'), ['provider', 'model', 'pass', 'tool sel.', 'args', 'schema', 'irrelevance', 'fail', 'error', 'stale', 'unsup.', 'p50', 'p95', 'tokens in', 'tokens out', 'cost'],
      visibleProviders().map(function (p) {
        var m = S.providers[p], sc = m.status_counts;
        return { cells: [T(p, label(p)), T(m.model), N(m.pass_rate, pct(m.pass_rate)), N(m.tool_selection_accuracy, pct(m.tool_selection_accuracy)),
          N(m.argument_accuracy, pct(m.argument_accuracy)), N(m.schema_valid_rate, pct(m.schema_valid_rate)), N(m.irrelevance_accuracy, pct(m.irrelevance_accuracy)),
          N(sc.fail, sc.fail), N(sc.error, sc.error), N(sc.stale, sc.stale), N(sc.unsupported, sc.unsupported),
          N(m.latency_ms.p50, ms(m.latency_ms.p50)), N(m.latency_ms.p95, ms(m.latency_ms.p95)),
          N(m.tokens.input, num(m.tokens.input)), N(m.tokens.output, num(m.tokens.output)), N(m.cost.usd, usd(m.cost.usd))] };
      }));
    var kinds = Object.keys(S.failure_kinds);
    table($('#kinds'), ['kind'].concat(visibleProviders().map(esc)), kinds.map(function (k) {
      return { cells: [T(k, kindBadge(k))].concat(visibleProviders().map(function (p) { var n = S.providers[p].failure_kinds[k] || 0; return N(n, n || ''); })) };
    }), { empty: 'No failures.' });
    if (S.trials > 1) {
      $('#trials-panel').hidden = false;
      var rows = [];
      visibleProviders().forEach(function (p) {
        var t = S.providers[p].trials;
        rows.push({ cells: [T(p, label(p)), N(t.trials, t.trials), N(t.mean_pass_at_1, pct(t.mean_pass_at_1)), N(t.pass_hat_k, 'pass^' + t.k + ' ' + pct(t.pass_hat_k)), N(t.flaky.length, t.flaky.length),
          T(t.flaky.map(function (f) { return f.case_id; }).join(' '), t.flaky.map(function (f) { return '<code>' + esc(f.case_id) + '</code> ' + f.passed + '/' + f.trials; }).join('<br>') || '–')] });
      });
      table($('#trials'), ['provider', 'trials', 'mean pass@1', 'pass^k (all k pass)', 'flaky', 'flaky cases'], rows);
    }
  }

  function renderDisagree() {
    var ps = visibleProviders();
    var rows = S.disagreements.filter(function (d) { return caseMatches(d.case_id); }).map(function (d) {
      var failing = Object.keys(d.failing).filter(function (p) { return ps.indexOf(p) >= 0; }).map(function (p) {
        return esc(p) + ' ' + (d.failing[p].length ? d.failing[p].map(kindBadge).join(' ') : kindBadge('flaky'));
      }).join('<br>');
      return { attrs: ' class="clickable" data-case="' + esc(d.case_id) + '"', cells: [T(d.case_id, '<code>' + esc(d.case_id) + '</code>'), T(d.category),
        N(d.score, (100 * d.score).toFixed(0) + '%'), T(d.passing.join(' '), d.passing.filter(function (p) { return ps.indexOf(p) >= 0; }).map(esc).join('<br>') || '–'), T(failing, failing)] };
    });
    table($('#disagree'), ['case', 'category', 'split', 'passing', 'failing'], rows, { empty: 'No disagreement: every graded case has the same outcome everywhere.' });
  }

  function renderParity() {
    var parity = S.parity || [];
    if (!parity.length) return;
    $('#parity-panel').hidden = false;
    table($('#parity'), ['providers', 'compared', 'identical', 'differing', 'status differs'], parity.map(function (p) {
      return { cells: [T(p.provider + ' ' + p.stream, label(p.provider) + ' vs ' + label(p.stream)), N(p.compared, p.compared), N(p.identical, p.identical),
        N(p.differing, p.differing), N(p.status_differs, p.status_differs)] };
    }));
    var rows = [];
    parity.forEach(function (p) {
      p.differences.filter(function (d) { return caseMatches(d.case_id); }).forEach(function (d) {
        var status = d.status[0] === d.status[1] ? esc(d.status[0]) : esc(d.status[0]) + ' → ' + esc(d.status[1]);
        rows.push({ attrs: ' class="clickable" data-case="' + esc(d.case_id) + '" data-provider="' + esc(p.stream) + '" data-trial="' + d.trial + '"',
          cells: [T(d.case_id, '<code>' + esc(d.case_id) + '</code>' + (d.trial > 1 ? ' <span class="badge">trial ' + d.trial + '</span>' : '')),
            T(p.provider, esc(p.provider) + ' vs ' + esc(p.stream)), T(status, status),
            T(d.differences.join(' '), d.differences.map(function (x) { return '<code>' + esc(x) + '</code>'; }).join('<br>') || 'same calls; the verdicts differ')] });
      });
    });
    table($('#parity-diffs'), ['case', 'providers', 'status', 'differences'], rows, { empty: 'Every compared case makes the same calls with the same arguments.' });
  }

  function renderFailures() {
    var ps = visibleProviders();
    var rows = D.results.filter(function (r) {
      var kindOk = !F.kind || F.kind === ANY_FAILURE || F.kind === DISAGREE || F.kind === r.kind;
      return isFailure(r) && ps.indexOf(r.p) >= 0 && caseMatches(r.c) && kindOk;
    }).map(function (r) {
      var msg = r.failures.length ? r.failures.map(function (f) { return esc(f.message); }).join('<br>') : esc(r.error || '');
      return { attrs: ' class="clickable" data-case="' + esc(r.c) + '" data-provider="' + esc(r.p) + '" data-trial="' + r.trial + '"',
        cells: [T(r.p), T(r.c, '<code>' + esc(r.c) + '</code>' + (grid[r.c][r.p].length > 1 ? ' <span class="badge">trial ' + r.trial + '</span>' : '')), T(D.cases[r.c].category), T(r.kind, kindBadge(r.kind)), T(msg, msg)] };
    });
    table($('#failures'), ['provider', 'case', 'category', 'kind', 'explanation'], rows, { empty: 'No failures.' });
    $('#fail-count').textContent = rows.length + ' shown';
  }

  function makeSortable(tbl) {
    tbl.addEventListener('click', function (e) {
      var th = e.target.closest('th');
      if (!th || !tbl.tHead || !tbl.tHead.contains(th)) return;
      var idx = Array.prototype.indexOf.call(th.parentNode.children, th);
      var asc = !th.classList.contains('asc');
      Array.prototype.forEach.call(th.parentNode.children, function (h) { h.classList.remove('asc', 'desc'); });
      th.classList.add(asc ? 'asc' : 'desc');
      var body = tbl.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[idx] ? a.cells[idx].getAttribute('data-v') : '', y = b.cells[idx] ? b.cells[idx].getAttribute('data-v') : '';
        var nx = parseFloat(x), ny = parseFloat(y);
        var r = (!isNaN(nx) && !isNaN(ny) && String(nx) === x.trim() && String(ny) === y.trim()) ? nx - ny : x.localeCompare(y);
        return asc ? r : -r;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  }

  // ---- drill-down
  function deepEqual(a, b) { return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b)); }
  function sortKeys(v) {
    if (Array.isArray(v)) return v.map(sortKeys);
    if (v && typeof v === 'object') { var o = {}; Object.keys(v).sort().forEach(function (k) { o[k] = sortKeys(v[k]); }); return o; }
    return v;
  }
  function isMatcher(v) { return v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).some(function (k) { return k.charAt(0) === '$'; }); }
  // an expectation that holds when the argument is not sent: `$optional` or `$absent`
  function mayBeAbsent(v) { return isMatcher(v) && (Object.prototype.hasOwnProperty.call(v, '$optional') || v.$absent === true); }

  function pairCalls(expected, actual) {
    var used = {}, pairs = [];
    expected.forEach(function (e, i) {
      var j = -1;
      actual.forEach(function (a, k) { if (j < 0 && !used[k] && a.name === e.call) j = k; });
      if (j < 0) actual.forEach(function (a, k) { if (j < 0 && !used[k] && expected.every(function (x) { return x.call !== a.name; })) j = k; });
      if (j >= 0) used[j] = 1;
      pairs.push([i, j]);
    });
    actual.forEach(function (a, k) { if (!used[k]) pairs.push([-1, k]); });
    return pairs;
  }

  function argRows(exp, act, badKeys, side) {
    var keys = [];
    Object.keys(exp || {}).concat(Object.keys(act || {})).forEach(function (k) { if (keys.indexOf(k) < 0) keys.push(k); });
    return keys.map(function (k) {
      var inE = exp && Object.prototype.hasOwnProperty.call(exp, k), inA = act && Object.prototype.hasOwnProperty.call(act, k);
      var cls = '';
      if (exp && act) {
        if (inE && !inA) cls = mayBeAbsent(exp[k]) && !badKeys[k] ? 'd-absent-ok' : 'd-missing';
        else if (!inE && inA) cls = 'd-extra';
        else if (badKeys[k]) cls = 'd-bad';
        else if (!isMatcher(exp[k]) && !deepEqual(exp[k], act[k])) cls = 'd-diff';
      }
      var has = side === 'e' ? inE : inA;
      if (!has && !(side === 'a' && (cls === 'd-missing' || cls === 'd-absent-ok'))) return '';
      var val = has ? json((side === 'e' ? exp : act)[k]) : '';
      return '<tr class="' + cls + '"><td class="key">' + esc(k) + '</td><td class="val">' + esc(val) + '</td></tr>';
    }).join('');
  }

  function callBox(call, other, side, badKeys, nameBad) {
    if (!call) return '<div class="call nocall">' + (side === 'e' ? 'not expected' : 'not called') + '</div>';
    var name = side === 'e' ? call.call : call.name;
    var expArgs = side === 'e' ? call.arguments : (other ? other.arguments : null);
    var actArgs = side === 'a' ? call.arguments : (other ? other.arguments : null);
    var body;
    if (side === 'a' && actArgs == null) {
      body = '<pre class="d-bad">' + esc(call.raw_arguments == null ? '(no arguments)' : call.raw_arguments) + '</pre><div class="small muted">not a JSON object</div>';
    } else {
      body = '<table class="args">' + argRows(expArgs, actArgs, badKeys, side) + '</table>';
    }
    return '<div class="call"><span class="fname' + (nameBad ? ' d-bad' : '') + '">' + esc(name) + '</span>(…)' + body + '</div>';
  }

  function turnView(caseData, trial, t) {
    var exp = ((caseData.turns || [])[t] || {}).expect || [];
    var mt = trial.turns[t];
    var act = mt ? mt.calls : [];
    var fails = trial.failures.filter(function (f) { return (f.turn || 0) === t; });
    var pairs = pairCalls(exp, act);
    var left = '', right = '';
    pairs.forEach(function (pr) {
      var e = pr[0] >= 0 ? exp[pr[0]] : null, a = pr[1] >= 0 ? act[pr[1]] : null;
      var badKeys = {};
      fails.forEach(function (f) {
        if (f.path && (f.call == null || f.call === pr[0])) {
          var m = /^root\['([^']+)'\]/.exec(f.path); if (m) badKeys[m[1]] = 1;
        }
      });
      var nameBad = e && a && e.call !== a.name;
      left += callBox(e, a, 'e', badKeys, nameBad);
      right += callBox(a, e, 'a', badKeys, nameBad || (a && !e));
    });
    if (!pairs.length) { left = '<div class="call nocall">no call expected</div>'; right = '<div class="call nocall">no call</div>'; }
    if (!mt) {
      var why = trial.status === 'stale' ? STALE_WHY[staleReason(trial)] :
        ({ unsupported: 'not run: the vendor cannot express this case', error: 'no answer: provider error' }[trial.status] || 'no answer recorded');
      right = '<div class="call nocall">' + why + '</div>';
    }
    var html = '<h4>Turn ' + t + '</h4><div class="sbs"><div class="col expected"><header>Expected</header>' + left + '</div>' +
      '<div class="col actual"><header>Actual</header>' + right + '</div></div>';
    var et = ((caseData.turns || [])[t] || {}).expect_text;
    if (et != null) html += '<div class="small muted">expected text: <code>' + esc(json(et)) + '</code></div>';
    if (mt) {
      if (mt.text) html += '<div class="small muted" style="margin-top:6px">vendor text</div><pre>' + esc(mt.text) + '</pre>';
      html += '<div class="facts"><span>latency <b>' + ms(mt.latency_ms) + '</b></span><span>tokens <b>' + num(mt.usage.input_tokens) + '</b> in / <b>' + num(mt.usage.output_tokens) + '</b> out</span>' +
        (mt.finish_reason ? '<span>finish <b>' + esc(mt.finish_reason) + '</b></span>' : '') + '</div>';
    }
    return html;
  }

  function trialView(cid, trial) {
    var c = D.cases[cid].case;
    var html = '<div class="facts"><span>status ' + kindBadge(trial.kind) + '</span><span>latency <b>' + ms(trial.latency_ms) + '</b></span>' +
      '<span>tokens <b>' + num(trial.usage.input_tokens) + '</b> in / <b>' + num(trial.usage.output_tokens) + '</b> out</span>' +
      (trial.cassette ? '<span>cassette <code>' + esc(trial.cassette) + '</code></span>' : '') + '</div>';
    if (trial.failures.length || trial.error) {
      html += '<h4>Explanation</h4><ul class="fails">' + trial.failures.map(function (f) {
        return '<li>' + kindBadge(f.kind) + ' <span class="muted small">turn ' + (f.turn || 0) + (f.call != null ? ', call ' + f.call : '') + '</span> ' + esc(f.message) + '</li>';
      }).join('') + (trial.error ? '<li>' + esc(trial.error) + '</li>' : '') + '</ul>';
    }
    var nTurns = Math.max((c.turns || []).length, 1);
    for (var t = 0; t < nTurns; t++) {
      if (t > 0 && !trial.turns[t]) { html += '<h4>Turn ' + t + '</h4><div class="muted small">not reached (an earlier turn failed or the case was not graded)</div>'; continue; }
      html += turnView(c, trial, t);
    }
    return html;
  }

  function openDrill(cid, pid, trialNo) {
    var trials = (grid[cid] || {})[pid];
    if (!trials) return;
    var c = D.cases[cid];
    var k = 0;
    trials.forEach(function (t, i) { if (t.trial === trialNo) k = i; });
    var html = '<div class="drill"><h2 id="drill-title">' + esc(cid) + '</h2><div class="facts"><span>provider <b>' + label(pid) + '</b></span><span>model <b>' +
      esc(trials[0].model) + '</b></span><span>category <b>' + esc(c.category) + '</b></span>' + (c.tags.length ? '<span>tags <b>' + c.tags.map(esc).join(', ') + '</b></span>' : '') +
      (c.source ? '<span>file <code>' + esc(c.source) + '</code></span>' : '') + '</div>';
    html += '<h4>Prompt</h4>' + (c.case.messages || []).map(function (m) {
      return '<div class="msg"><b>' + esc(m.role) + '</b>' + esc(m.content || '') + (m.tool_calls ? '<pre>' + esc(json(m.tool_calls)) + '</pre>' : '') + '</div>';
    }).join('');
    html += '<h4>Tools offered' + (c.case.tool_choice && c.case.tool_choice !== 'auto' ? ' · tool_choice ' + esc(json(c.case.tool_choice)) : '') + '</h4>' +
      (c.case.tools || []).map(function (t) {
        return '<details><summary><span class="fname">' + esc(t.name) + '</span> <span class="muted">' + esc(t.description) + '</span></summary><pre>' + esc(json(t.parameters)) + '</pre></details>';
      }).join('');
    if (trials.length > 1) {
      html += '<div class="tabs" id="trial-tabs">' + trials.map(function (t, i) {
        return '<button data-i="' + i + '" class="' + (i === k ? 'on' : '') + '">trial ' + t.trial + ' · ' + esc(t.kind) + '</button>';
      }).join('') + '</div>';
    }
    html += '<div id="trial-view">' + trialView(cid, trials[k]) + '</div></div>';
    $('#drill-body').innerHTML = html;
    var tabs = $('#trial-tabs');
    if (tabs) tabs.addEventListener('click', function (e) {
      var b = e.target.closest('button'); if (!b) return;
      var i = +b.getAttribute('data-i');
      Array.prototype.forEach.call(tabs.children, function (x) { x.classList.toggle('on', x === b); });
      $('#trial-view').innerHTML = trialView(cid, trials[i]);
    });
    $('#drill').hidden = false;
    $('.modal-box').scrollTop = 0;
  }
  function closeDrill() { $('#drill').hidden = true; }

  // ---- wiring
  function renderAll() { renderCards(); renderChart(); renderHeatmap(); renderMetrics(); renderDisagree(); renderParity(); renderFailures(); }

  renderHeader();
  initFilters();
  $('#legend').innerHTML = LEGEND.map(function (l) { return '<span><i class="k-' + l[0] + '"></i>' + l[1] + '</span>'; }).join('');
  renderAll();
  ['#metrics', '#kinds', '#trials', '#disagree', '#parity', '#parity-diffs', '#failures'].forEach(function (s) { makeSortable($(s)); });
  $('#chart-metric').addEventListener('click', function (e) {
    var b = e.target.closest('button'); if (!b) return;
    chartMetric = b.getAttribute('data-m');
    Array.prototype.forEach.call(b.parentNode.children, function (x) { x.classList.toggle('on', x === b); });
    renderChart();
  });
  $('#heatmap').addEventListener('click', function (e) {
    var td = e.target.closest('td.cell'); if (!td) return;
    openDrill(td.getAttribute('data-case'), td.getAttribute('data-provider'), null);
  });
  ['#failures', '#disagree', '#parity-diffs'].forEach(function (s) {
    $(s).addEventListener('click', function (e) {
      var tr = e.target.closest('tr.clickable'); if (!tr) return;
      var cid = tr.getAttribute('data-case'), pid = tr.getAttribute('data-provider');
      if (!pid) { var ps = Object.keys(grid[cid] || {}); pid = ps.filter(function (p) { return S.disagreements.some(function (d) { return d.case_id === cid && d.failing[p]; }); })[0] || ps[0]; }
      openDrill(cid, pid, tr.hasAttribute('data-trial') ? +tr.getAttribute('data-trial') : null);
    });
  });
  document.addEventListener('click', function (e) { if (e.target.getAttribute && e.target.getAttribute('data-close')) closeDrill(); });
  document.addEventListener('keydown', function (e) { if (e.key === 'Escape') closeDrill(); });
  document.body.setAttribute('data-ready', '1');
})();
