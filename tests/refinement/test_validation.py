"""Refinement end to end against the scripted server: every class of bad suggestion is
rejected by the checks against the data, good ones land in the schema with provenance."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

import assay
from assay.codegen.json_schema import table_json_schema
from assay.llm import CachedClient, ProviderConfigError, make_client, parse_spec
from assay.refinement import RefineOptions, refine
from assay.schema import to_yaml
from tests.conftest import SHOP
from tests.llm.fake_llm import Reply, answer, edited


@pytest.fixture(scope="module")
def customers():
    return assay.infer(str(SHOP / "customers.csv"))


@pytest.fixture(scope="module")
def shop():
    return assay.infer(str(SHOP))


@pytest.fixture(scope="module")
def items(tmp_path_factory):
    """A table inference leaves room for: 15 tier codes (too many for an enum), decimal
    weights, coded references, zip codes with leading zeros."""
    root = tmp_path_factory.mktemp("items")
    lines = ["item_id,tier,weight,code,zip,label"]
    for i in range(300):
        lines.append(
            f"{i + 1},T{i % 15 + 1:02d},{(i % 199) / 2 + 0.5:.1f},AB-{1000 + i},"
            f"{i * 37 % 100000:05d},item {i}"
        )
    (root / "items.csv").write_text("\n".join(lines) + "\n")
    (root / "events.jsonl").write_text(
        '{"id": 1, "amount_text": "12.50", "score": 1.0}\n'
        '{"id": 2, "amount_text": "7.25", "score": 3.0}\n'
        '{"id": 3, "amount_text": "100.00", "score": 2.0}\n'
    )
    return root


def client(fake, **options):
    options.setdefault("timeout", 5.0)
    options.setdefault("max_retries", 0)
    return make_client(parse_spec(f"ollama:qwen2.5:7b@{fake.url}?stream=false"), **options)


def run(fake, schema, *, retries: int = 0, **options):
    options.setdefault("heuristics", False)
    return refine(schema, client(fake), options=RefineOptions(max_retries=retries, **options))


def rejected(result, path: str, aspect: str) -> str:
    reasons = [r.reason for r in result.rejections if r.path == path and r.aspect == aspect]
    assert reasons, f"{path} {aspect} was not rejected"
    return reasons[0]


def field(result, table: str, path: str):
    from assay.refinement.context import columns_of

    return next(f for f in columns_of(result.schema.table(table)) if f.path == path)


def test_good_answer_lands_in_the_schema_with_provenance(fake_llm, customers) -> None:
    fake_llm.push(answer(
        {"email": {"description": "Customer's e-mail address.", "semantic_type": "email",
                   "classification": "pii", "confidence": 0.9},
         "segment": {"description": "Sales channel segment.", "semantic_type": "category"}},
        {"description": "Registered shop customers.", "grain": "one customer"},
    ))  # fmt: skip
    result = run(fake_llm, customers)
    email = field(result, "customers", "email")
    assert (email.description, email.semantic_type, email.classification) == (
        "Customer's e-mail address.", "email", "pii"
    )  # fmt: skip
    llm = [p for p in email.provenance if p.source == "llm"]
    assert len(llm) == 1
    assert llm[0].detail.startswith("ollama:qwen2.5:7b template=refine-v1 prompt=sha256:")
    assert llm[0].detail.endswith("aspects=semantic_type,classification,description")
    assert email.provenance[0].source == "inference"  # what rules decided stays listed first
    decisions = {e.decision: e for e in email.evidence}
    assert decisions["semantic_type"].confidence == 0.9
    assert decisions["semantic_type"].rule == "llm"
    table = result.schema.table("customers")
    assert (table.description, table.grain) == ("Registered shop customers.", "one customer")
    # Types and everything inference decided are untouched.
    assert email.type == customers.table("customers").field("email").type
    # Descriptions and semantic types flow into the JSON Schema export.
    exported = table_json_schema(table)
    assert exported["description"] == "Registered shop customers."
    assert exported["properties"]["email"]["description"] == "Customer's e-mail address."
    assert exported["properties"]["email"]["x-assay-semantic-type"] == "email"
    assert {c.aspect for c in result.changes if c.path == "email"} == {
        "description", "semantic_type", "classification"
    }  # fmt: skip


def test_widened_and_contradicted_types_are_rejected(fake_llm, customers) -> None:
    fake_llm.push(answer({
        "customer_id": {"type": "float"},  # wider than integer
        "first_name": {"type": "date"},  # the values are names
        "postal_code": {"type": "integer"},  # '3017 BA', and zeros would be lost
        "phone": {"type": "integer"},  # '+34…' is a phone number, not a quantity
    }))  # fmt: skip
    result = run(fake_llm, customers)
    assert (
        rejected(result, "customer_id", "type") == "float is not narrower than the inferred integer"
    )
    assert rejected(result, "first_name", "type").startswith("249 of 249 values are not date")
    assert "lose a leading zero or sign" in rejected(result, "postal_code", "type")
    assert rejected(result, "phone", "type") == (
        "the values are phone-e164 identifiers, which stay text"
    )
    original = customers.table("customers")
    for path in ("customer_id", "first_name", "postal_code", "phone"):
        assert field(result, "customers", path).type == original.field(path).type


def test_narrower_types_confirmed_by_the_data_are_accepted(fake_llm, items) -> None:
    schema = assay.infer(str(items / "events.jsonl"))
    fake_llm.push(answer({"amount_text": {"type": "decimal"}, "score": {"type": "integer"}}))
    result = run(fake_llm, schema)
    amount = field(result, "events", "amount_text")
    assert str(amount.type) == "decimal(5,2)"
    evidence = next(e for e in amount.evidence if e.decision == "type" and e.rule.startswith("llm"))
    assert (evidence.conforming, evidence.violating) == (3, 0)
    score = field(result, "events", "score")
    assert (score.type.kind, score.type.minimum, score.type.maximum) == ("integer", 1, 3)
    assert [c.before for c in result.changes if c.aspect == "type"] == ["string", "float"]


def test_allowed_values(fake_llm, items) -> None:
    schema = assay.infer(str(items / "items.csv"))
    tiers = [f"T{i:02d}" for i in range(1, 16)]
    fake_llm.push(answer({"tier": {"allowed_values": tiers[:-1]}}))  # T15 is missing
    result = run(fake_llm, schema)
    assert rejected(result, "tier", "allowed_values") == (
        "1 observed value(s) are not allowed, e.g. 'T15'"
    )
    assert field(result, "items", "tier").constraints is None
    fake_llm.push(answer({"tier": {"allowed_values": [*tiers, "T16"]}}))
    result = run(fake_llm, schema)
    assert field(result, "items", "tier").constraints.enum == (*tiers, "T16")


def test_ranges(fake_llm, items) -> None:
    schema = assay.infer(str(items / "items.csv"))
    fake_llm.push(answer({
        "weight": {"minimum": 1, "maximum": 100},  # 0.5 is observed
        "item_id": {"minimum": 1, "maximum": 250},  # 300 is observed
        "label": {"minimum": 0, "maximum": 10},  # text
    }))  # fmt: skip
    result = run(fake_llm, schema)
    assert rejected(result, "weight", "range") == "the observed minimum 0.5 is below 1"
    assert rejected(result, "item_id", "range") == "the observed maximum 300.0 is above 250"
    assert rejected(result, "label", "range") == "a numeric range does not apply to a string field"
    fake_llm.push(answer({"weight": {"minimum": 0, "maximum": 100}}))
    result = run(fake_llm, schema)
    constraints = field(result, "items", "weight").constraints
    assert (constraints.minimum, constraints.maximum) == (0, 100)


def test_patterns(fake_llm, items) -> None:
    schema = assay.infer(str(items / "items.csv"))
    fake_llm.push(answer({
        "code": {"pattern": "AB-1[0-9]{3}"},  # AB-1000 … AB-1299: all match
        "label": {"pattern": "item [0-9]{2}"},  # 'item 0' does not
        "zip": {"pattern": "([0-9]+"},  # not a regular expression
        "tier": {"pattern": "(T+)+\\d+"},  # catastrophic for a backtracking engine
    }))  # fmt: skip
    result = run(fake_llm, schema)
    assert field(result, "items", "code").constraints.pattern == "AB-1[0-9]{3}"
    assert rejected(result, "label", "pattern").startswith("210 of 300 values do not match")
    assert rejected(result, "zip", "pattern").startswith("not a valid RE2 regular expression")
    assert field(result, "items", "tier").constraints.pattern == "(T+)+\\d+"  # RE2: linear


def test_formats_semantic_types_and_classifications(fake_llm, customers) -> None:
    fake_llm.push(answer({
        "first_name": {"format": "email", "semantic_type": "email"},
        "customer_id": {"format": "uuid", "semantic_type": "latitude"},
        "email": {"semantic_type": "identifier", "classification": "none"},
        "phone": {"classification": "none"},
        "postal_code": {"semantic_type": "category"},
        "country": {"semantic_type": "country", "classification": "none"},
    }))  # fmt: skip
    result = run(fake_llm, customers)
    assert rejected(result, "first_name", "format").startswith("249 of 249 values are not email")
    assert rejected(result, "first_name", "semantic_type") == "only 0% of the values are email"
    assert (
        rejected(result, "customer_id", "format") == "formats annotate text; this field is integer"
    )
    assert rejected(result, "customer_id", "semantic_type") == (
        "observed values 1001.0..1250.0 are outside -90..90"
    )
    assert rejected(result, "email", "semantic_type") == (
        "the values are email (confirmed on the data), so email"
    )
    assert rejected(result, "email", "classification") == "the values are at least pii, not none"
    assert rejected(result, "postal_code", "semantic_type") == (
        "236 distinct values are too many for category"
    )
    assert field(result, "customers", "country").semantic_type == "country"
    assert field(result, "customers", "email").classification is None
    assert rejected(result, "phone", "classification") == "the values are at least pii, not none"


def test_keys_and_references(fake_llm, shop) -> None:
    keyless = shop.model_copy(update={
        "tables": tuple(t.model_copy(update={"primary_key": None}) for t in shop.tables),
        "relationships": (),
    })  # fmt: skip
    customers = assay.Schema(tables=(keyless.table("customers"),))
    # customer_id has one duplicate (1069) in the data: not a key.
    fake_llm.push(answer(table={"primary_key": ["customer_id"]}))
    result = run(fake_llm, customers)
    assert rejected(result, None, "primary_key") == "1 duplicate value(s) in customer_id"
    fake_llm.push(answer(table={"primary_key": ["email", "phone"]}))
    assert rejected(run(fake_llm, customers), None, "primary_key").startswith("phone has 9 null")

    orders = assay.Schema(tables=(keyless.table("orders"), keyless.table("customers"),
                                  keyless.table("payments")))  # fmt: skip
    payments_key = shop.table("payments").primary_key
    orders = orders.model_copy(update={"tables": (
        orders.tables[0].model_copy(update={"primary_key": shop.table("orders").primary_key}),
        orders.tables[1],
        orders.tables[2].model_copy(update={"primary_key": payments_key}),
    )})  # fmt: skip

    def script(request):
        columns = list(request["format"]["properties"]["fields"]["properties"])
        if "customer_id" in columns and "ordered_at" in columns:  # orders
            return answer({"customer_id": {"references": "customers.customer_id"},
                           "order_id": {"references": "payments.payment_id"}})(request)  # fmt: skip
        return answer()(request)

    fake_llm.push(script, script, script)
    result = run(fake_llm, orders, concurrency=1)
    assert rejected(result, "order_id", "references").startswith(
        "599 of 599 distinct values are not in payment_id"
    )
    (relationship,) = result.schema.relationships
    assert (relationship.from_table, relationship.from_fields) == ("orders", ("customer_id",))
    assert (relationship.to_table, relationship.to_fields) == ("customers", ("customer_id",))
    assert relationship.coverage == 1.0
    assert relationship.evidence.note.endswith("distinct values found")


def test_malformed_answer_is_retried_with_the_problem_fed_back(fake_llm, customers) -> None:
    fake_llm.push(Reply(content='{"table": {"description": "oops"'), answer({
        "email": {"semantic_type": "email", "description": "E-mail."}}))  # fmt: skip
    result = run(fake_llm, customers, retries=1)
    assert len(fake_llm.requests) == 2
    retry = fake_llm.requests[1]["messages"]
    assert retry[-2] == {"role": "assistant", "content": '{"table": {"description": "oops"'}
    assert retry[-1]["role"] == "user"
    assert "the answer is not valid JSON" in retry[-1]["content"]
    assert field(result, "customers", "email").semantic_type == "email"
    assert result.chunks[0].attempts == 2 and result.chunks[0].outcome == "model"
    assert not result.warnings


@pytest.mark.parametrize(
    "edit",
    [
        lambda a: a["fields"].__setitem__("mail", a["fields"].pop("email")),  # renamed
        lambda a: a["fields"].pop("phone"),  # dropped
        lambda a: a["fields"].__setitem__("loyalty_points", dict(a["fields"]["email"])),  # added
    ],
    ids=["renamed", "dropped", "added"],
)
def test_invented_or_missing_columns_fall_back_to_heuristics(fake_llm, customers, edit) -> None:
    def bad(request):
        reply = edited(edit)(request)
        data = orjson.loads(reply.content)
        for value in data["fields"].values():
            value["description"] = "MODEL TEXT"
        return Reply(content=orjson.dumps(data).decode())

    fake_llm.push(bad, bad)
    result = run(fake_llm, customers, retries=1, heuristics=True)
    assert len(fake_llm.requests) == 2
    assert result.chunks[0].outcome == "fallback"
    (warning,) = result.warnings
    assert warning.startswith("customers (customer_id, email, first_name, last_name …): no usable")
    assert warning.endswith("using heuristics")
    # Nothing from the rejected answers reached the schema; heuristics filled in.
    assert all(c.source == "heuristics" for c in result.changes)
    assert field(result, "customers", "email").description is None
    assert field(result, "customers", "email").semantic_type == "email"


def test_rejected_suggestions_are_asked_again(fake_llm, customers) -> None:
    fake_llm.push(
        answer({"first_name": {"type": "date", "semantic_type": "person_name"}}),
        answer({"first_name": {"semantic_type": "person_name", "classification": "pii"}}),
    )
    result = run(fake_llm, customers, retries=2)
    assert len(fake_llm.requests) == 2
    feedback = fake_llm.requests[1]["messages"][-1]["content"]
    assert "first_name: type 'date' rejected: 249 of 249 values are not date" in feedback
    first = field(result, "customers", "first_name")
    assert (first.semantic_type, first.classification, str(first.type)) == (
        "person_name", "pii", "string"
    )  # fmt: skip


def test_failing_provider_falls_back_and_the_run_completes(fake_llm, customers) -> None:
    fake_llm.push(*[Reply(status=500)] * 4)
    llm = client(fake_llm, max_retries=1)
    result = refine(customers, llm, options=RefineOptions(max_retries=1))
    assert "HTTP 500" in result.warnings[0]
    assert field(result, "customers", "email").semantic_type == "email"  # heuristics


def test_configuration_errors_stop_the_run(customers) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    llm = make_client(parse_spec(f"ollama:m@http://127.0.0.1:{port}"), max_retries=0)
    with pytest.raises(ProviderConfigError):
        refine(customers, llm)


def test_wide_tables_are_chunked_and_sent_concurrently(fake_llm, tmp_path) -> None:
    names = [f"{group}_{i}" for group in ("ship", "bill", "misc", "meta") for i in range(10)]
    (tmp_path / "wide.csv").write_text(
        ",".join(names) + "\n" + "\n".join(",".join(str(r) for _ in names) for r in range(20))
    )
    schema = assay.infer(str(tmp_path / "wide.csv"))
    fake_llm.push(*[Reply(delay=0.3)] * 8)
    result = run(fake_llm, schema, max_columns=10, concurrency=3)
    asked = [list(r["format"]["properties"]["fields"]["properties"]) for r in fake_llm.requests]
    assert sorted(len(a) for a in asked) == [10, 10, 10, 10]
    assert sorted(tuple(a) for a in asked) == sorted(
        tuple(names[i : i + 10]) for i in range(0, 40, 10)
    )
    assert 2 <= fake_llm.max_in_flight <= 3
    described = [c for c in result.changes if c.aspect == "description" and c.path is not None]
    assert len(described) == 40


def test_cached_reruns_are_identical_and_offline(fake_llm, customers, tmp_path) -> None:
    fake_llm.push(answer({"email": {"semantic_type": "email", "description": "Address."}}))
    options = RefineOptions(max_retries=0)
    first = refine(customers, CachedClient(client(fake_llm), tmp_path), options=options)
    asked = len(fake_llm.requests)
    offline = CachedClient(client(fake_llm), tmp_path, offline=True)
    second = refine(customers, offline, options=options)
    assert len(fake_llm.requests) == asked
    assert to_yaml(first.schema) == to_yaml(second.schema)
    assert second.chunks[0].cached == 1


def test_existing_descriptions_are_kept(fake_llm, customers) -> None:
    table = customers.table("customers")
    documented = tuple(
        f.model_copy(update={"description": "Written by a person."}) if f.path == "email" else f
        for f in table.fields
    )
    schema = customers.model_copy(
        update={"tables": (table.model_copy(update={"fields": documented}),)}
    )
    fake_llm.push(answer({"email": {"description": "From the model."}}))
    result = run(fake_llm, schema)
    assert field(result, "customers", "email").description == "Written by a person."
    assert "Current description" not in fake_llm.requests[0]["messages"][-1]["content"]
    assert (
        'current description: "Written by a person."'
        in fake_llm.requests[0]["messages"][-1]["content"]
    )


def test_copies_of_the_worked_example_and_loops_are_rejected(fake_llm, customers) -> None:
    fake_llm.push(answer({
        "customer_id": {"description": "Employee number that identifies a staff member."},
        "segment": {"description": "The segment of a customer. " * 5},
    }))  # fmt: skip
    result = run(fake_llm, customers)
    assert rejected(result, "customer_id", "description") == (
        "copied from the prompt's example, not about this column"
    )
    assert rejected(result, "segment", "description") == "the text repeats itself"


def test_descriptions_borrowing_the_examples_subject_are_rejected(fake_llm, customers) -> None:
    """Small models describe customers as 'the employee' after the staff example."""
    fake_llm.push(answer({
        "email": {"description": "Email address of the employee."},
        "phone": {"description": "Phone number of the customer."},
    }))  # fmt: skip
    result = run(fake_llm, customers)
    assert rejected(result, "email", "description") == (
        "speaks of 'employee', a word of the prompt's example, not of this table"
    )
    assert field(result, "customers", "phone").description == "Phone number of the customer."


def test_types_read_off_validated_formats_beat_the_model(fake_llm, customers) -> None:
    """The checks can refute a model, not confirm it: where inference validated a format
    on every value, its semantic type and a stricter classification stand."""
    fake_llm.push(answer({
        "email": {"semantic_type": "free_text", "classification": "none"},
        "segment": {"semantic_type": "category"},
    }))  # fmt: skip
    result = run(fake_llm, customers, heuristics=True)
    email = field(result, "customers", "email")
    assert (email.semantic_type, email.classification) == ("email", "pii")
    assert field(result, "customers", "segment").semantic_type == "category"


def test_documentation_passages_reach_the_prompt(fake_llm, customers, tmp_path: Path) -> None:
    from assay.refinement import read_documents

    doc = tmp_path / "dictionary.md"
    doc.write_text(
        "# Customers\n\nThe segment column holds the sales channel: retail, online, wholesale "
        "or partner.\n\n# Warehouse\n\n" + "Pallets are stacked by the forklift crew. " * 80
    )
    passages = read_documents([doc])
    refine(customers, client(fake_llm), passages=passages,
           options=RefineOptions(max_retries=0, docs_tokens=120))  # fmt: skip
    question = fake_llm.requests[0]["messages"][-1]["content"]
    assert "(dictionary.md) # Customers The segment column holds the sales channel" in question
    assert "forklift" not in question


def test_semantic_types_must_fit_the_shape_of_the_values(fake_llm, items) -> None:
    schema = assay.infer(str(items / "items.csv"))
    fake_llm.push(answer({
        "label": {"semantic_type": "identifier"},  # 'item 0': words, not a code
        "code": {"semantic_type": "person_name"},  # 'AB-1000': digits, not a name
        "tier": {"semantic_type": "identifier"},
    }))  # fmt: skip
    result = run(fake_llm, schema)
    assert rejected(result, "label", "semantic_type") == (
        "300 of 300 values contain spaces, e.g. 'item 0'; not identifier"
    )
    assert rejected(result, "code", "semantic_type") == (
        "300 of 300 values contain digits, e.g. 'AB-1000'; not person_name"
    )
    assert field(result, "items", "tier").semantic_type == "identifier"


def test_a_repeated_answer_stops_the_retries(fake_llm, customers) -> None:
    same = answer({"first_name": {"type": "date"}})
    fake_llm.push(same, same, same)
    result = run(fake_llm, customers, retries=2)
    assert len(fake_llm.requests) == 2  # the second answer was the first again: no third ask
    assert result.chunks[0].problem == (
        "1 suggestion(s) rejected by the data; the model repeated its answer"
    )
    assert field(result, "customers", "email").description == "The email of the record."
