// Loaded after RequireJS and before the ipywidgets embed manager that the book
// serves itself (all three are copied to <site>/widgets/ by scripts/build_book.sh).
(function () {
  // The manager loads its icon fonts from the folder of its module
  // "@jupyter-widgets/html-manager/dist", which RequireJS would otherwise place
  // next to the page: point it at this folder.
  var here = document.currentScript.src.replace(/[?#].*$/, "").replace(/\/[^\/]*$/, "");
  // anywidget, the front end of the course's explorers (lstm_lib.explorers), is
  // served from this folder too (build_book.sh copies it from the Python
  // package): without this path the manager would fetch it from a CDN.
  require.config({
    paths: {
      "@jupyter-widgets/html-manager/dist": here,
      anywidget: here + "/anywidget",
    },
  });

  // The manager typesets widget labels through the MathJax 2 API
  // (MathJax.Hub.Queue); the book runs MathJax 3. MathJax 3 has replaced its
  // configuration object by the time DOMContentLoaded fires, which is before
  // the manager renders on "load": add the one call it needs then.
  document.addEventListener("DOMContentLoaded", function () {
    var mathjax = window.MathJax;
    if (!mathjax || mathjax.Hub || !mathjax.startup) return;
    mathjax.Hub = {
      Queue: function (job) {
        var element = job && job[2];
        mathjax.startup.promise.then(function () {
          return mathjax.typesetPromise(element ? [element] : undefined);
        });
      },
    };
  });
})();
