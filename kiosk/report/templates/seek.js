// The report's one script: a "watch" link, a word of the transcript or a click on the timeline
// plays the take from that moment. Nothing is fetched; without the video there is no script.
(function () {
  "use strict";
  var video = document.getElementById("take-video");
  if (!video) { return; }
  function seek(seconds) {
    if (!isFinite(seconds)) { return; }
    video.currentTime = Math.max(0, seconds);
    video.scrollIntoView({ block: "nearest" });
    var playing = video.play();
    if (playing && playing.catch) { playing.catch(function () {}); }
  }
  document.addEventListener("click", function (event) {
    var mark = event.target.closest("[data-t]");
    if (mark) {
      event.preventDefault();
      seek(parseFloat(mark.getAttribute("data-t")));
      return;
    }
    var chart = event.target.closest("svg.timeline-chart");
    if (!chart) { return; }
    var box = chart.getBoundingClientRect();
    var view = chart.viewBox.baseVal;
    var x = (event.clientX - box.left) / box.width * view.width;
    var x0 = parseFloat(chart.getAttribute("data-x0"));
    var x1 = parseFloat(chart.getAttribute("data-x1"));
    if (x < x0 || x > x1) { return; }
    seek((x - x0) / (x1 - x0) * parseFloat(chart.getAttribute("data-duration")));
  });
})();
