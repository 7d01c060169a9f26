/* What the page adds with JavaScript: filters kept in the URL, stars kept in
   localStorage with "my picks", "today", and times in the reader's zone.
   Without it the page shows every talk in the conference's own time. */
(function () {
  "use strict";
  var doc = document;
  var root = doc.documentElement;
  var all = function (selector, within) {
    return Array.prototype.slice.call((within || doc).querySelectorAll(selector));
  };
  var form = doc.getElementById("filters");
  var boxes = all("article.ev");
  var days = all("section.day");
  var key = root.getAttribute("data-store");
  var stars = [];
  try {
    stars = JSON.parse(window.localStorage.getItem(key) || "[]");
  } catch (error) {
    stars = [];
  }
  if (!Array.isArray(stars)) stars = [];
  var texts = boxes.map(function (box) {
    var people = box.querySelector(".people");
    return (box.querySelector("h3").textContent + " " + (people ? people.textContent : "")).toLowerCase();
  });
  var field = function (name) { return form.elements[name]; };

  function starred(box) { return stars.indexOf(box.getAttribute("data-event")) >= 0; }

  function paintStars() {
    boxes.forEach(function (box) {
      box.querySelector(".star").setAttribute("aria-pressed", starred(box) ? "true" : "false");
    });
  }

  function state() {
    return {
      track: field("track") ? field("track").value : "",
      room: field("room").value,
      q: field("q").value.trim().toLowerCase(),
      picks: field("picks").checked,
      tz: field("tz").checked
    };
  }

  function apply() {
    var now = state();
    var shown = 0;
    // A filtered view reads as a list: the grid would be mostly empty.
    root.classList.toggle("filtered", Boolean(now.track || now.room || now.q || now.picks));
    boxes.forEach(function (box, index) {
      var visible = (!now.track || box.getAttribute("data-track") === now.track) &&
        (!now.room || box.getAttribute("data-room") === now.room) &&
        (!now.q || texts[index].indexOf(now.q) >= 0) &&
        (!now.picks || starred(box));
      box.hidden = !visible;
      if (visible) shown += 1;
    });
    days.forEach(function (day) {
      var empty = !day.querySelector("article.ev:not([hidden])");
      day.hidden = empty;
      var link = doc.querySelector('.days li:not(#today) a[href="#' + day.id + '"]');
      if (link) link.parentNode.hidden = empty;
    });
    doc.getElementById("no-match").hidden = shown > 0;
    doc.getElementById("picks").hidden = !now.picks;
    picks();
  }

  function picks() {
    var list = doc.getElementById("picks-list");
    var seen = {};
    var ids = [];
    list.textContent = "";
    boxes.forEach(function (box) {
      var id = box.getAttribute("data-event");
      if (!starred(box) || seen[id]) return;
      seen[id] = true;
      ids.push(id);
      var item = doc.createElement("li");
      var link = doc.createElement("a");
      var feed = doc.querySelector("#picks-subscribe a");
      link.href = feed ? "#" + box.id : box.querySelector(".acts a").getAttribute("href");
      link.textContent = box.querySelector("h3").textContent;
      item.appendChild(link);
      var day = doc.querySelector('.days li:not(#today) a[href="#' + box.closest("section.day").id + '"]');
      item.appendChild(doc.createTextNode(
        " · " + (day ? day.textContent + " " : "") + box.querySelector(".when").textContent
      ));
      list.appendChild(item);
    });
    doc.getElementById("picks-none").hidden = ids.length > 0;
    var subscribe = doc.getElementById("picks-subscribe");
    if (subscribe) {
      var anchor = subscribe.querySelector("a");
      anchor.href = anchor.getAttribute("data-feed") + "?" +
        ids.map(function (id) { return "event=" + encodeURIComponent(id); }).join("&");
      subscribe.hidden = ids.length === 0;
    }
    var each = doc.getElementById("picks-each");
    if (each) each.hidden = ids.length === 0;
  }

  function remember() {
    var now = state();
    var query = [];
    if (now.track) query.push("track=" + encodeURIComponent(now.track));
    if (now.room) query.push("room=" + encodeURIComponent(now.room));
    if (field("q").value.trim()) query.push("q=" + encodeURIComponent(field("q").value.trim()));
    if (now.picks) query.push("picks=1");
    if (now.tz) query.push("tz=local");
    var url = window.location.pathname + (query.length ? "?" + query.join("&") : "") + window.location.hash;
    try {
      window.history.replaceState(null, "", url);
    } catch (error) { /* a browser that refuses keeps the view, not the URL */ }
  }

  function localTimes() {
    var on = field("tz").checked;
    var format = new Intl.DateTimeFormat(root.lang, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    all("article.ev time").forEach(function (time) {
      if (!time.hasAttribute("data-own")) time.setAttribute("data-own", time.textContent);
      time.textContent = on ? format.format(new Date(time.getAttribute("datetime"))) : time.getAttribute("data-own");
    });
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    all("section.day .zone").forEach(function (note) {
      if (!note.hasAttribute("data-own")) note.setAttribute("data-own", note.textContent);
      note.textContent = on ? form.getAttribute("data-your-zone").replace("{zone}", zone) : note.getAttribute("data-own");
    });
  }

  var asked = new URLSearchParams(window.location.search);
  if (field("track")) field("track").value = asked.get("track") || "";
  field("room").value = asked.get("room") || "";
  if (field("track") && field("track").selectedIndex < 0) field("track").value = "";
  if (field("room").selectedIndex < 0) field("room").value = "";
  field("q").value = asked.get("q") || "";
  field("picks").checked = asked.get("picks") === "1";
  field("tz").checked = asked.get("tz") === "local";
  form.hidden = false;
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  form.addEventListener("input", function () { apply(); remember(); });
  form.addEventListener("change", function (event) {
    if (event.target.name === "tz") localTimes();
    apply();
    remember();
  });
  all(".star").forEach(function (button) { button.hidden = false; });
  doc.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest(".star") : null;
    if (!button) return;
    var id = button.closest("article").getAttribute("data-event");
    var at = stars.indexOf(id);
    if (at >= 0) stars.splice(at, 1); else stars.push(id);
    try {
      window.localStorage.setItem(key, JSON.stringify(stars));
    } catch (error) { /* private mode: stars last as long as the page */ }
    paintStars();
    if (field("picks").checked) apply(); else picks();
  });

  var today = new Intl.DateTimeFormat("en-CA", {
    timeZone: root.getAttribute("data-zone"), year: "numeric", month: "2-digit", day: "2-digit"
  }).format(new Date());
  days.forEach(function (day) {
    if (day.getAttribute("data-date") !== today) return;
    var item = doc.getElementById("today");
    item.querySelector("a").setAttribute("href", "#" + day.id);
    item.hidden = false;
  });
  paintStars();
  if (field("tz").checked) localTimes();
  apply();
}());
