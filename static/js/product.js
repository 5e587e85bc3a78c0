// Product page: choosing a variant shows its price and stock at once and puts
// ?variant=SKU in the address (the same page the "Show price" button loads
// without JavaScript). Loaded as a file: the CSP allows no inline script.
(function () {
  "use strict";
  var form = document.querySelector("form.add-to-cart");
  var price = document.getElementById("product-price");
  var stock = document.getElementById("product-stock");
  if (!form || !price) {
    return;
  }
  var show = form.querySelector(".show-variant");
  if (show) {
    show.hidden = true;
  }

  function showPrice(input) {
    price.textContent = "";
    var sale = input.getAttribute("data-sale-price");
    if (sale) {
      var del = document.createElement("del");
      del.textContent = input.getAttribute("data-price");
      var ins = document.createElement("ins");
      ins.className = "sale-price";
      ins.textContent = sale;
      price.append(del, " ", ins, " ", input.getAttribute("data-sale-name") || "");
      price.classList.add("on-sale");
    } else {
      price.textContent = input.getAttribute("data-price");
      price.classList.remove("on-sale");
    }
    if (stock) {
      stock.textContent = input.getAttribute("data-stock");
      stock.className = "stock " + input.getAttribute("data-stock-class");
    }
  }

  form.addEventListener("change", function (event) {
    var input = event.target;
    if (input.name !== "sku" || !input.checked) {
      return;
    }
    showPrice(input);
    var url = new URL(window.location.href);
    url.searchParams.set("variant", input.value);
    window.history.replaceState(null, "", url.pathname + url.search);
  });
})();
