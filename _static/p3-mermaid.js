// Draw every <pre class="mermaid"> with the mermaid.min.js shipped beside this file (no CDN).

// On a narrow screen a left-to-right flowchart shrinks to unreadable; draw it top-down. This
// runs before "load", when mermaid's own start-up may already draw the diagrams.
document.addEventListener("DOMContentLoaded", function () {
  if (window.innerWidth < 700) {
    document.querySelectorAll("pre.mermaid").forEach(function (pre) {
      pre.innerHTML = pre.innerHTML.replace(/flowchart LR/, "flowchart TD");
    });
  }
});

window.addEventListener("load", function () {
  if (window.mermaid) {
    window.mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });
    window.mermaid.run({ querySelector: "pre.mermaid" });
  }
});
