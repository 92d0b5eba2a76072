"""Pay and price: payments to miners, mineral sales, reference prices, minimum wages, exchange rates and
the checks over them (minimum wage, Fairmined minimum price and premium, advances, late pay)."""
