// myochart body map: clicking a figure places the trigger point and picks the nearest muscle.
// Progressive enhancement only: without this script the muscle and side are chosen from the lists.
'use strict';

(function () {
  var SVG_NS = 'http://www.w3.org/2000/svg';

  function byId(id) {
    return document.getElementById(id);
  }

  // The single "being placed" marker, moved between the two figures as needed.
  function placePending(map, svg, x, y) {
    var old = map.querySelector('circle.marker-pending');
    if (old) {
      old.parentNode.removeChild(old);
    }
    var dot = document.createElementNS(SVG_NS, 'circle');
    dot.setAttribute('class', 'marker marker-pending');
    dot.setAttribute('r', '6');
    dot.setAttribute('cx', String(x));
    dot.setAttribute('cy', String(y));
    svg.appendChild(dot);
  }

  // Click position in the figure's own 200 × 460 coordinates.
  function toViewBox(svg, event) {
    var ctm = svg.getScreenCTM();
    if (!ctm) {
      return null;
    }
    var pt = svg.createSVGPoint();
    pt.x = event.clientX;
    pt.y = event.clientY;
    var p = pt.matrixTransform(ctm.inverse());
    return { x: Math.round(p.x * 10) / 10, y: Math.round(p.y * 10) / 10 };
  }

  // Catalog points are on the left; data-xr holds the mirrored point on the right.
  function nearestMuscle(select, view, x, y) {
    var best = null;
    var options = select.querySelectorAll('option[data-view="' + view + '"]');
    Array.prototype.forEach.call(options, function (option) {
      var my = parseFloat(option.dataset.y);
      [['left', parseFloat(option.dataset.x)], ['right', parseFloat(option.dataset.xr)]].forEach(function (c) {
        if (isNaN(c[1]) || isNaN(my)) {
          return;
        }
        var d = (c[1] - x) * (c[1] - x) + (my - y) * (my - y);
        if (best === null || d < best.d) {
          best = { d: d, option: option, side: c[0] };
        }
      });
    });
    return best;
  }

  function setValue(el, value) {
    if (el) {
      el.value = value;
      el.dispatchEvent(new Event('change', { bubbles: true }));
    }
  }

  function onClick(map, svg, event) {
    var p = toViewBox(svg, event);
    if (!p) {
      return;
    }
    var view = svg.dataset.view;
    setValue(byId('map_view'), view);
    setValue(byId('map_x'), String(p.x));
    setValue(byId('map_y'), String(p.y));
    placePending(map, svg, p.x, p.y);
    var select = byId('muscle_id');
    if (!select) {
      return;
    }
    var best = nearestMuscle(select, view, p.x, p.y);
    if (best) {
      best.option.selected = true;
      select.dispatchEvent(new Event('change', { bubbles: true }));
      setValue(byId('side'), best.side);
    }
  }

  function init() {
    var maps = document.querySelectorAll('.bodymap[data-interactive="true"]');
    Array.prototype.forEach.call(maps, function (map) {
      var svgs = map.querySelectorAll('svg.bodymap-view');
      Array.prototype.forEach.call(svgs, function (svg) {
        svg.addEventListener('click', function (event) {
          onClick(map, svg, event);
        });
      });
      // A point already chosen (editing, or a form sent back with errors): show it.
      var mx = byId('map_x');
      var my = byId('map_y');
      var mv = byId('map_view');
      if (mx && my && mv && mx.value !== '' && my.value !== '') {
        var target = map.querySelector('svg.bodymap-view[data-view="' + mv.value + '"]');
        var x = parseFloat(mx.value);
        var y = parseFloat(my.value);
        if (target && !isNaN(x) && !isNaN(y)) {
          placePending(map, target, x, y);
        }
      }
    });
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
})();
