/* Invoice and estimate line rows: add and remove rows in place, and show running totals.
   A convenience only: the form works without it ("Add a line" re-renders on the server),
   and the server computes the real totals with Decimal when the draft is saved. */
(function () {
  "use strict";

  // Read like the server reads it (portal.i18n.number_from_input): the page's decimal and
  // group marks first ("1.234,5" in German), else one "." or "," as the decimal point.
  var marks = { decimal: ".", group: "," };

  function escapeRegExp(text) { return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }

  function number(text) {
    var cleaned = String(text || "").replace(/[\s\u00a0\u202f]/g, "").replace("\u2212", "-");
    var group = marks.group.replace(/[\s\u00a0\u202f]/g, "");
    var grouped = group && new RegExp("^-?\\d{1,3}(" + escapeRegExp(group) + "\\d{3})+(" +
      escapeRegExp(marks.decimal) + "\\d*)?$");
    if (grouped && grouped.test(cleaned)) {
      cleaned = cleaned.split(group).join("");
    }
    if (cleaned.indexOf(marks.decimal) >= 0) {
      cleaned = cleaned.replace(marks.decimal, ".");
    } else if ((cleaned.match(/[.,]/g) || []).length === 1) {
      cleaned = cleaned.replace(",", ".");
    }
    var value = parseFloat(cleaned);
    return isFinite(value) ? value : 0;
  }

  function setup(form) {
    var body = form.querySelector("[data-lines]");
    var addButton = form.querySelector("[data-add-line]");
    var totals = form.querySelector("[data-totals]");
    if (!body || !addButton) { return; }
    var places = parseInt(form.getAttribute("data-places") || "2", 10);
    marks.decimal = form.getAttribute("data-decimal") || ".";
    marks.group = form.getAttribute("data-group") || ",";
    var factor = Math.pow(10, places);
    var format;
    try {
      format = new Intl.NumberFormat(document.documentElement.lang || undefined, {
        style: "currency", currency: form.getAttribute("data-currency") || "EUR",
        minimumFractionDigits: places, maximumFractionDigits: places
      });
    } catch (error) {
      format = { format: function (value) { return value.toFixed(places); } };
    }

    function round(value) { return Math.round(value * factor) / factor; }

    function field(row, name) { return row.querySelector("[name$='-" + name + "']"); }

    function recalculate() {
      var bases = {};
      var subtotal = 0;
      Array.prototype.forEach.call(body.querySelectorAll("[data-line]"), function (row) {
        var quantity = number(field(row, "quantity").value);
        var price = number(field(row, "unit_price").value);
        var discount = number(field(row, "discount").value);
        var tax = field(row, "tax");
        var option = tax && tax.options[tax.selectedIndex];
        var percent = option ? parseFloat(option.getAttribute("data-percent")) || 0 : 0;
        var net = round(quantity * price * (1 - discount / 100));
        var output = row.querySelector("[data-line-net]");
        var empty = !field(row, "description").value.trim() && !field(row, "unit_price").value.trim();
        if (output) { output.textContent = empty ? "–" : format.format(net); }
        if (empty) { return; }
        subtotal += net;
        bases[percent] = (bases[percent] || 0) + net;
      });
      var tax = 0;
      Object.keys(bases).forEach(function (percent) { tax += round(bases[percent] * parseFloat(percent) / 100); });
      if (totals) {
        totals.hidden = false;
        totals.querySelector("[data-subtotal]").textContent = format.format(round(subtotal));
        totals.querySelector("[data-tax]").textContent = format.format(round(tax));
        totals.querySelector("[data-total]").textContent = format.format(round(subtotal + tax));
      }
    }

    function nextIndex() {
      var highest = -1;
      Array.prototype.forEach.call(body.querySelectorAll("[name^='lines-']"), function (input) {
        var match = /^lines-(\d+)-/.exec(input.name);
        if (match) { highest = Math.max(highest, parseInt(match[1], 10)); }
      });
      return highest + 1;
    }

    function addRow() {
      var rows = body.querySelectorAll("[data-line]");
      var template = rows[rows.length - 1];
      var row = template.cloneNode(true);
      var index = nextIndex();
      Array.prototype.forEach.call(row.querySelectorAll("[name], [id], [for], [aria-describedby]"), function (node) {
        ["name", "id", "for", "aria-describedby"].forEach(function (attribute) {
          var value = node.getAttribute(attribute);
          if (value) { node.setAttribute(attribute, value.replace(/^lines-\d+-/, "lines-" + index + "-")); }
        });
      });
      Array.prototype.forEach.call(row.querySelectorAll(".field-error"), function (node) { node.remove(); });
      Array.prototype.forEach.call(row.querySelectorAll(".has-error"), function (node) { node.classList.remove("has-error"); });
      Array.prototype.forEach.call(row.querySelectorAll("[aria-invalid]"), function (node) { node.removeAttribute("aria-invalid"); });
      field(row, "description").value = "";
      field(row, "unit_price").value = "";
      field(row, "quantity").value = "1";
      field(row, "discount").value = "0";
      var templateTax = field(template, "tax");
      if (templateTax) { field(row, "tax").selectedIndex = templateTax.selectedIndex; }
      body.appendChild(row);
      field(row, "description").focus();
      recalculate();
    }

    function removeRow(row) {
      if (body.querySelectorAll("[data-line]").length > 1) {
        row.remove();
      } else {
        ["description", "unit_price"].forEach(function (name) { field(row, name).value = ""; });
      }
      recalculate();
    }

    Array.prototype.forEach.call(form.querySelectorAll("[data-remove-line]"), function (button) {
      button.hidden = false;
    });
    addButton.addEventListener("click", function (event) {
      event.preventDefault();
      addRow();
    });
    body.addEventListener("click", function (event) {
      var button = event.target.closest("[data-remove-line]");
      if (button) { removeRow(button.closest("[data-line]")); }
    });
    body.addEventListener("input", recalculate);
    body.addEventListener("change", recalculate);
    recalculate();
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("form.document-form"), setup);
  });
})();
