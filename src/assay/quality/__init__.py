"""Quality rules derived from a schema, rendered as SQL checks for any dialect.

>>> import assay
>>> from assay.quality import quality_rules
>>> orders = assay.infer("examples/shop").table("orders")
>>> rule = next(r for r in quality_rules(orders) if r.code == "unique")
>>> rule.id, rule.critical
('orders.order_id.unique', True)
"""

from assay.quality.rules import RULE_CODES, Rule, columns, quality_rules, required
from assay.quality.sql import UnsupportedRuleError

__all__ = ["RULE_CODES", "Rule", "UnsupportedRuleError", "columns", "quality_rules", "required"]
