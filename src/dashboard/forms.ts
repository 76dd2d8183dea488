/** The form's strings as a product body: the price typed in currency units, sent in cents. */
export function productBody(values: Record<string, string>, active: boolean) {
  const price = values.price?.trim() ?? ''
  return {
    sku: values.sku?.trim() ?? '',
    name: values.name?.trim() ?? '',
    description: values.description ?? '',
    category: values.category?.trim() ? values.category.trim() : null,
    // Not a number stays unparsed, so the API names the field (422 at /price_cents).
    price_cents: /^\d+(\.\d{1,2})?$/.test(price) ? Math.round(Number(price) * 100) : price,
    stock: /^\d+$/.test(values.stock?.trim() ?? '') ? Number(values.stock) : values.stock,
    active,
  }
}
