// The 打印 button of the print view (the only script of the console; CSP forbids inline ones).
document.getElementById("print")?.addEventListener("click", () => window.print());
