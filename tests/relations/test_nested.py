"""SPEC A9: include chains and nested writes, on raw-SQL tables."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

PREFIX = "/dynamic-entity"


def count(table):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {table}")
        return cursor.fetchone()[0]


def create_tree(api):
    body = {
        "data": [
            {
                "code": "G1",
                "groupItems": [
                    {"sku": "A", "itemLeaves": [{"name": "a1"}, {"name": "a2"}]},
                    {"sku": "B"},
                ],
            },
            {"code": "G2"},
        ]
    }
    return api("post", f"{PREFIX}/groups", body)


def test_nested_post_fills_foreign_keys_and_returns_children(hierarchy, api):
    status, body = create_tree(api)
    assert status == 201, body
    g1, g2 = body["data"]
    assert "groupItems" not in g2
    item_a, item_b = g1["groupItems"]
    assert item_a["fk_group"] == g1["id_group"] == item_b["fk_group"]
    assert [leaf["name"] for leaf in item_a["itemLeaves"]] == ["a1", "a2"]
    assert all(leaf["fk_item"] == item_a["id_item"] for leaf in item_a["itemLeaves"])
    assert (count("rel_group"), count("rel_item"), count("rel_leaf")) == (2, 2, 2)


def test_three_level_include_nests_and_omits_empty_relations(hierarchy, api):
    create_tree(api)
    status, body = api("get", f"{PREFIX}/groups?include=groupItems.itemLeaves")
    assert status == 200
    g1, g2 = body["data"]
    assert "groupItems" not in g2
    assert [i["sku"] for i in g1["groupItems"]] == ["A", "B"]
    assert len(g1["groupItems"][0]["itemLeaves"]) == 2
    assert "itemLeaves" not in g1["groupItems"][1]


def test_include_on_single_route_and_unknown_relation(hierarchy, api):
    _, created = create_tree(api)
    gid = created["data"][0]["id_group"]
    status, body = api("get", f"{PREFIX}/groups/{gid}?include=groupItems")
    assert status == 200 and len(body["data"]["groupItems"]) == 2
    status, body = api("get", f"{PREFIX}/groups?include=groupItems.nope")
    assert status == 400
    assert body == [
        {
            "message": "Relation `nope` not found. Please check the requested relation name "
            "and try again.",
            "status": 400,
            "code": "1313",
        }
    ]


def test_include_costs_one_query_per_level(hierarchy, api, django_assert_max_num_queries):
    for n in range(5):
        api("post", f"{PREFIX}/groups", {"data": [{"code": f"Q{n}", "groupItems": [
            {"sku": f"Q{n}a", "itemLeaves": [{"name": "x"}]}, {"sku": f"Q{n}b"}]}]})  # fmt: skip
    # session + user + version check + root page + one per include level
    with django_assert_max_num_queries(6):
        status, body = api("get", f"{PREFIX}/groups?include=groupItems.itemLeaves")
    assert status == 200 and len(body["data"]) == 5


def test_nested_post_is_a_handful_of_statements(hierarchy, api, django_assert_max_num_queries):
    data = [
        {"code": f"N{n}", "groupItems": [{"sku": f"N{n}-{k}", "itemLeaves": [{"name": "l"}]}
                                         for k in range(2)]}
        for n in range(100)
    ]  # fmt: skip
    with django_assert_max_num_queries(15):
        status, body = api("post", f"{PREFIX}/groups", {"data": data})
    assert status == 201
    assert (count("rel_group"), count("rel_item"), count("rel_leaf")) == (100, 200, 200)


def test_nested_post_statements_do_not_grow_with_the_items(hierarchy, api):
    """One INSERT per level, whatever the number of items: 5 or 50 groups with 2 items of 2
    leaves each cost the same statements."""

    def statements(groups, tag):
        data = [
            {"code": f"{tag}{n}", "groupItems": [
                {"sku": f"{tag}{n}-{k}", "itemLeaves": [{"name": "a"}, {"name": "b"}]}
                for k in range(2)
            ]}
            for n in range(groups)
        ]  # fmt: skip
        with CaptureQueriesContext(connection) as queries:
            status, _ = api("post", f"{PREFIX}/groups", {"data": data})
        assert status == 201
        return [q["sql"].split()[0] for q in queries.captured_queries]

    statements(1, "W")  # compiles the endpoints
    few, many = statements(5, "F"), statements(50, "M")
    assert few == many
    # 3 levels + the exchange (which begins with the triage's WITH on PostgreSQL)
    assert len([verb for verb in many if verb in ("INSERT", "WITH")]) == 4
    assert (count("rel_group"), count("rel_item"), count("rel_leaf")) == (56, 112, 224)


def test_failing_child_fails_its_root_and_paths_name_the_child(hierarchy, api):
    body = {
        "data": [
            {"code": "OK", "groupItems": [{"sku": "fine"}]},
            {"code": "BAD", "groupItems": [{"sku": "x" * 30}, {"note": "no sku"}]},
        ]
    }
    status, errors = api("post", f"{PREFIX}/groups", body)
    assert status == 400
    assert [e["code"] for e in errors] == ["1307", "1306"]
    assert errors[0]["message"] == (
        "The required field must not be empty. Field: `groups[1].items[1].sku`"
    )
    assert "`groups[1].items[0]`" in errors[1]["message"]
    assert count("rel_group") == 0


def test_paths_of_grandchildren_name_every_level(hierarchy, api):
    body = {
        "data": [
            {"code": "G0", "groupItems": [{"sku": "g0", "itemLeaves": [{"name": "ok"}]}]},
            {"code": "G1", "groupItems": [
                {"sku": "g1a"}, {"sku": "g1b", "itemLeaves": [{"name": "ok"}, {"name": 7}]},
            ]},
        ]
    }  # fmt: skip
    status, errors = api("post", f"{PREFIX}/groups", body)
    assert status == 400
    assert [e["code"] for e in errors] == ["1305"]
    assert "`groups[1].items[1].leaves[1]`" in errors[0]["message"]
    assert count("rel_group") == 0


def test_non_transactional_treats_root_with_children_as_one_unit(hierarchy, api):
    api("post", f"{PREFIX}/groups", {"data": [{"code": "TAKEN"}]})
    body = {
        "data": [
            {"code": "NEW", "groupItems": [{"sku": "n1"}]},
            {"code": "ALSO", "groupItems": [{"sku": "n1"}]},  # duplicate child sku
            {"code": "THIRD", "groupItems": [{"sku": "t1"}]},
        ]
    }
    status, result = api("post", f"{PREFIX}/groups", body, X_IS_TRANSACTIONAL="false")
    assert status == 201
    assert [g["code"] for g in result["data"]] == ["NEW", "THIRD"]
    assert result["errors"] == [
        {
            "code": "1309",
            "status": 400,
            "message": "Failed to persist the data for `groups[1].items[0].sku`. Please verify "
            "the provided data and try again. Entry is duplicated.",
        }
    ]
    assert count("rel_group") == 3 and count("rel_item") == 2


def test_relation_errors_unknown_and_not_editable(hierarchy, api):
    body = {
        "data": [
            {"code": "R", "bogus": [{"x": 1}], "groupItemsReadOnly": [{"sku": "a"}, {"sku": "b"}]}
        ]
    }
    status, errors = api("post", f"{PREFIX}/groups", body)
    assert [e["code"] for e in errors] == ["1313", "1314", "1314"]
    assert status == 422
    assert errors[1]["message"] == (
        "The relationship `groupItemsReadOnly` is not editable by configuration."
    )


def test_patch_children_need_identifiers_and_must_belong(hierarchy, api):
    _, created = create_tree(api)
    g1, g2 = created["data"]
    item_a = g1["groupItems"][0]
    status, errors = api("patch", f"{PREFIX}/groups", {"data": [
        {"id_group": g1["id_group"], "groupItems": [{"note": "no id"}]},
        {"id_group": g2["id_group"], "groupItems": [{"id_item": item_a["id_item"], "note": "x"}]},
    ]})  # fmt: skip
    assert status == 404
    assert errors == [
        {"message": "Incomplete Request - missing identifier for `groups[0].items[0]`",
         "status": 400, "code": "1310"},
        {"message": "The entity `groups[1].items[0]` could not be found in the database.",
         "status": 404, "code": "1303"},
    ]  # fmt: skip
    status, body = api(
        "patch",
        f"{PREFIX}/groups/{g1['id_group']}",
        {"data": {"label": "L", "groupItems": [{"id_item": item_a["id_item"], "note": "patched"}]}},
    )
    assert status == 200
    assert body["data"]["label"] == "L"
    written = {key: value for key, value in item_a.items() if key != "itemLeaves"}
    assert body["data"]["groupItems"] == [{**written, "note": "patched"}]


def test_put_upserts_children_with_reset(hierarchy, api):
    _, created = create_tree(api)
    g1 = created["data"][0]
    item_b = g1["groupItems"][1]
    status, body = api("put", f"{PREFIX}/groups", {"data": [{
        "id_group": g1["id_group"], "code": "G1",
        "groupItems": [{"id_item": item_b["id_item"], "sku": "B2"}, {"sku": "C"}],
    }]})  # fmt: skip
    assert status == 200, body
    row = body["data"][0]
    assert row["label"] is None
    assert [i["sku"] for i in row["groupItems"]] == ["B2", "C"]
    assert row["groupItems"][0]["id_item"] == item_b["id_item"]
    assert row["groupItems"][1]["fk_group"] == g1["id_group"]
    assert count("rel_item") == 3


def test_self_relation_tree(hierarchy, api):
    status, body = api("post", f"{PREFIX}/nodes", {"data": [{"title": "root", "nodeChildren": [
        {"title": "child", "nodeChildren": [{"title": "grandchild"}]}]}]})  # fmt: skip
    assert status == 201, body
    root = body["data"][0]
    status, body = api("get", f"{PREFIX}/nodes?filter[n.id_node]={root['id_node']}"
                              "&include=nodeChildren.nodeChildren")  # fmt: skip
    child = body["data"][0]["nodeChildren"][0]
    assert child["title"] == "child" and child["fk_parent"] == root["id_node"]
    assert child["nodeChildren"][0]["title"] == "grandchild"


def test_two_relations_to_the_same_child_table(hierarchy, api):
    create_tree(api)
    status, body = api("get", f"{PREFIX}/groups?include=groupItems,groupItemsReadOnly")
    g1 = body["data"][0]
    assert g1["groupItems"] == g1["groupItemsReadOnly"]
