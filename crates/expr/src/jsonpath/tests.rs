//! Unit tests of the JSONPath parser and evaluator.

use super::*;
use serde_json::json;

fn sel(path: &str, doc: &Value) -> Option<Value> {
    Path::parse(path).unwrap_or_else(|e| panic!("{path}: {e}")).select(doc).map(Cow::into_owned)
}

fn store() -> Value {
    json!({
        "store": {
            "book": [
                {"category": "reference", "author": "Nigel Rees", "title": "Sayings", "price": 8.95},
                {"category": "fiction", "author": "Evelyn Waugh", "title": "Sword", "price": 12.99},
                {"category": "fiction", "author": "Herman Melville", "title": "Moby Dick", "isbn": "0-553", "price": 8.99},
                {"category": "fiction", "author": "J. R. R. Tolkien", "title": "The Lord", "isbn": "0-395", "price": 22.99}
            ],
            "bicycle": {"color": "red", "price": 19.95}
        },
        "expensive": 10
    })
}

#[test]
fn roots() {
    assert_eq!(*Path::parse("$").unwrap().root(), Root::Input);
    assert_eq!(*Path::parse("$.a").unwrap().root(), Root::Input);
    assert_eq!(*Path::parse("$$").unwrap().root(), Root::Context);
    assert_eq!(*Path::parse("$$.Execution.Id").unwrap().root(), Root::Context);
    assert_eq!(*Path::parse("$x").unwrap().root(), Root::Variable("x".into()));
    assert_eq!(*Path::parse("$my_var.a[0]").unwrap().root(), Root::Variable("my_var".into()));
    assert_eq!(*Path::parse("$x[0]").unwrap().root(), Root::Variable("x".into()));
    assert_eq!(Path::parse("$.a").unwrap().as_str(), "$.a");
}

#[test]
fn invalid_paths() {
    for p in [
        "",
        "a",
        "$.",
        "$..",
        "$.a.",
        "$.a..",
        "$[",
        "$['a'",
        "$['a]",
        "$[a]",
        "$.a b",
        "$[*",
        "$[?(@.a]",
        "$[?(@.a == )]",
        "$.a.min()",
        "$.a.length(1)",
        "$[::2]",
        "$[:]",
        "$[1 2]",
        "$-",
        "$.a[]",
        "$...a",
        "$.length().a",
        "$[?]",
    ] {
        assert!(Path::parse(p).is_err(), "{p:?} should not parse");
    }
}

#[test]
fn very_long_paths_are_refused() {
    let ok = format!("${}[*]", ".a".repeat(500));
    assert!(Path::parse(&ok).is_ok());
    let long = format!("${}[*]", ".a".repeat(5000));
    assert!(Path::parse(&long).is_err());
}

#[test]
fn definite_or_not() {
    for p in ["$", "$.a", "$.a.b", "$['a']['b c']", "$.a[0]", "$.a[-1]", "$.a['x','y']", "$.a.length()"] {
        assert!(Path::parse(p).unwrap().is_definite(), "{p}");
    }
    for p in ["$.a[*]", "$.*", "$..a", "$.a[1:3]", "$.a[0,2]", "$.a[?(@.x)]", "$['a','b'].c"] {
        assert!(!Path::parse(p).unwrap().is_definite(), "{p}");
    }
    assert!(Path::parse("$.a[0].b").unwrap().is_reference_path());
    assert!(!Path::parse("$.a.length()").unwrap().is_reference_path());
}

#[test]
fn dot_and_bracket() {
    let doc = json!({"a": {"b": 1, "b c": 2, "x-y": 3, "": 4}, "n": null});
    assert_eq!(sel("$", &doc), Some(doc.clone()));
    assert_eq!(sel("$.a.b", &doc), Some(json!(1)));
    assert_eq!(sel("$['a']['b c']", &doc), Some(json!(2)));
    assert_eq!(sel("$[\"a\"][\"b c\"]", &doc), Some(json!(2)));
    assert_eq!(sel("$.a.x-y", &doc), Some(json!(3)));
    assert_eq!(sel("$.a['']", &doc), Some(json!(4)));
    assert_eq!(sel("$.n", &doc), Some(Value::Null));
    assert_eq!(sel("$.missing", &doc), None);
    assert_eq!(sel("$.a.b.c", &doc), None);
    assert_eq!(sel("$.n.x", &doc), None);
    assert_eq!(sel(" $.a.b ", &doc), Some(json!(1)));
}

#[test]
fn bracket_keys_keep_backslashes() {
    // Recorded on AWS: `$['Test\""Name"']` reads the key `Test\""Name"`.
    let doc = json!({"Test\\\"\"Name\"": "Value\"\\"});
    assert_eq!(sel("$['Test\\\"\"Name\"']", &doc), Some(json!("Value\"\\")));
    let doc = json!({"it\\'s": 1});
    assert_eq!(sel("$['it\\'s']", &doc), Some(json!(1)));
}

#[test]
fn indexes() {
    let doc = json!({"a": [10, 20, 30]});
    assert_eq!(sel("$.a[0]", &doc), Some(json!(10)));
    assert_eq!(sel("$.a[2]", &doc), Some(json!(30)));
    assert_eq!(sel("$.a[-1]", &doc), Some(json!(30)));
    assert_eq!(sel("$.a[-3]", &doc), Some(json!(10)));
    // Jackson's ArrayNode.get gives null out of range, so Jayway over Jackson (AWS) selects null.
    assert_eq!(sel("$.a[3]", &doc), Some(Value::Null));
    assert_eq!(sel("$.a[-4]", &doc), Some(Value::Null));
    assert_eq!(sel("$.a[3].b", &doc), None);
    assert_eq!(sel("$.a[0,2]", &doc), Some(json!([10, 30])));
    assert_eq!(sel("$.a[ 0 , 2 ]", &doc), Some(json!([10, 30])));
    assert_eq!(sel("$.a[0,5]", &doc), Some(json!([10, null])));
    // Intrinsic arguments do not get that null.
    let strict = |p: &str| Path::parse(p).unwrap().select_strict(&doc).map(Cow::into_owned);
    assert_eq!(strict("$.a[3]"), None);
    assert_eq!(strict("$.a[0,5]"), Some(json!([10])));
    assert_eq!(strict("$.a[-1]"), Some(json!(30)));
    assert_eq!(sel("$[0]", &json!(["x"])), Some(json!("x")));
}

#[test]
fn slices_follow_jayway() {
    let doc = json!({"a": [0, 1, 2, 3, 4]});
    assert_eq!(sel("$.a[1:3]", &doc), Some(json!([1, 2])));
    assert_eq!(sel("$.a[:2]", &doc), Some(json!([0, 1])));
    assert_eq!(sel("$.a[3:]", &doc), Some(json!([3, 4])));
    assert_eq!(sel("$.a[-2:]", &doc), Some(json!([3, 4])));
    assert_eq!(sel("$.a[:-2]", &doc), Some(json!([0, 1, 2])));
    assert_eq!(sel("$.a[1:100]", &doc), Some(json!([1, 2, 3, 4])));
    assert_eq!(sel("$.a[3:1]", &doc), Some(json!([])));
    // Jayway ignores a step, and does not adjust negative bounds of [a:b].
    assert_eq!(sel("$.a[0:4:2]", &doc), Some(json!([0, 1, 2, 3])));
    assert_eq!(sel("$.a[1:-1]", &doc), Some(json!([])));
    assert_eq!(sel("$.a[-3:-1]", &doc), Some(json!([2, 3])));
    assert_eq!(sel("$.missing[1:2]", &doc), Some(json!([])));
}

#[test]
fn wildcards_and_scan() {
    let doc = store();
    assert_eq!(
        sel("$.store.book[*].author", &doc),
        Some(json!(["Nigel Rees", "Evelyn Waugh", "Herman Melville", "J. R. R. Tolkien"]))
    );
    assert_eq!(
        sel("$..author", &doc),
        Some(json!(["Nigel Rees", "Evelyn Waugh", "Herman Melville", "J. R. R. Tolkien"]))
    );
    assert_eq!(sel("$.store.*.color", &doc), Some(json!(["red"])));
    assert_eq!(sel("$..price", &doc), Some(json!([8.95, 12.99, 8.99, 22.99, 19.95])));
    assert_eq!(sel("$..book[2].title", &doc), Some(json!(["Moby Dick"])));
    assert_eq!(sel("$..book[-1].title", &doc), Some(json!(["The Lord"])));
    assert_eq!(sel("$..book[0,1].title", &doc), Some(json!(["Sayings", "Sword"])));
    assert_eq!(sel("$.*", &json!({"a": 1, "b": [2]})), Some(json!([1, [2]])));
    assert_eq!(sel("$[*]", &json!([1, 2])), Some(json!([1, 2])));
    assert_eq!(sel("$..*", &json!({"a": {"b": 1}})), Some(json!([{"b": 1}, 1])));
    assert_eq!(sel("$.*", &json!("x")), Some(json!([])));
    assert_eq!(sel("$..nothing", &doc), Some(json!([])));
}

#[test]
fn multi_property() {
    let doc = json!({"a": {"x": 1, "y": 2, "z": 3}, "l": [{"x": 1, "y": 2}, {"x": 3}]});
    // A multi-key leaf is one object of the keys present (definite).
    assert_eq!(sel("$.a['x','z']", &doc), Some(json!({"x": 1, "z": 3})));
    assert_eq!(sel("$.a['x','q']", &doc), Some(json!({"x": 1})));
    assert_eq!(sel("$.l[*]['x','y']", &doc), Some(json!([{"x": 1, "y": 2}, {"x": 3}])));
    assert_eq!(sel("$['a','l'].x", &json!({"a": {"x": 1}, "l": {"x": 2}})), Some(json!([1, 2])));
}

#[test]
fn filters() {
    let doc = store();
    assert_eq!(sel("$.store.book[?(@.price < 10)].title", &doc), Some(json!(["Sayings", "Moby Dick"])));
    assert_eq!(sel("$.store.book[?(@.isbn)].title", &doc), Some(json!(["Moby Dick", "The Lord"])));
    assert_eq!(sel("$.store.book[?(!@.isbn)].title", &doc), Some(json!(["Sayings", "Sword"])));
    assert_eq!(sel("$.store.book[?(@.price > $.expensive)].title", &doc), Some(json!(["Sword", "The Lord"])));
    assert_eq!(
        sel("$.store.book[?(@.category == 'fiction' && @.price < 10)].title", &doc),
        Some(json!(["Moby Dick"]))
    );
    assert_eq!(
        sel("$.store.book[?(@.category == 'reference' || @.price > 20)].title", &doc),
        Some(json!(["Sayings", "The Lord"]))
    );
    assert_eq!(
        sel("$.store.book[?((@.price < 9 || @.price > 20) && @.isbn)].title", &doc),
        Some(json!(["Moby Dick", "The Lord"]))
    );
    assert_eq!(sel("$.store.book[?(@.author =~ /.*REES/i)].title", &doc), Some(json!(["Sayings"])));
    assert_eq!(sel("$.store.book[?(@.author =~ /Rees/)].title", &doc), Some(json!([])));
    assert_eq!(sel("$..book[?(@.category in ['reference', 'x'])].title", &doc), Some(json!(["Sayings"])));
    assert_eq!(sel("$..book[?(@.category nin ['fiction'])].title", &doc), Some(json!(["Sayings"])));
    assert_eq!(sel("$..book[?(@.title size 5)].title", &doc), Some(json!(["Sword"])));
    assert_eq!(sel("$..book[?(@.title contains 'Dick')].title", &doc), Some(json!(["Moby Dick"])));
    assert_eq!(sel("$..[?(@.color)].price", &doc), Some(json!([19.95])));
    // Recorded on AWS.
    let users = json!({"users": [{"year": 1997, "status": 0}, {"year": 1998, "status": 1}]});
    assert_eq!(sel("$.users[?(@.status == 0)]", &users), Some(json!([{"year": 1997, "status": 0}])));
}

#[test]
fn filter_comparisons_follow_jayway() {
    let doc = json!([
        {"v": 1}, {"v": "1"}, {"v": 1.0}, {"v": true}, {"v": null}, {"v": [1, 2]}, {"v": {"a": 1}}, {}
    ]);
    let idx = |p: &str| -> Vec<usize> {
        let all = doc.as_array().unwrap();
        let got = sel(p, &doc).unwrap();
        got.as_array().unwrap().iter().map(|x| all.iter().position(|y| y == x).unwrap()).collect()
    };
    assert_eq!(idx("$[?(@.v == 1)]"), vec![0, 1, 2]);
    assert_eq!(idx("$[?(@.v === 1)]"), vec![0, 2]);
    assert_eq!(idx("$[?(@.v == '1')]"), vec![0, 1, 2]);
    assert_eq!(idx("$[?(@.v == true)]"), vec![3]);
    assert_eq!(idx("$[?(@.v == null)]"), vec![4]);
    assert_eq!(idx("$[?(@.v == [1,2])]"), vec![5]);
    assert_eq!(idx("$[?(@.v == {'a': 1})]"), vec![6]);
    // A missing value equals nothing, so `!=` keeps it.
    assert_eq!(idx("$[?(@.v != 1)]"), vec![3, 4, 5, 6, 7]);
    assert_eq!(idx("$[?(@.v)]"), vec![0, 1, 2, 3, 4, 5, 6]);
    // Jayway compares a string with a number as text: "1" >= 1.
    assert_eq!(idx("$[?(@.v >= 1)]"), vec![0, 1, 2]);
    assert_eq!(idx("$[?(@.v empty false)]"), vec![1, 5, 6]);
    assert_eq!(idx("$[?(@.v size 2)]"), vec![5]);
    assert_eq!(idx("$[?(@.v subsetof [1,2,3])]"), vec![5]);
    assert_eq!(idx("$[?(@.v anyof [2])]"), vec![5]);
    assert_eq!(idx("$[?(@.v noneof [7])]"), vec![5]);
    assert_eq!(idx("$[?(@.v contains 2)]"), vec![5]);
    assert_eq!(idx("$[?(@.v.length() == 2)]"), vec![5]);
    assert_eq!(sel("$[?(@ == 2)]", &json!([1, 2, 3])), Some(json!([2])));
    assert_eq!(sel("$[?(@ > 'b')]", &json!(["a", "b", "c"])), Some(json!(["c"])));
}

#[test]
fn filter_on_an_object_tests_the_object() {
    let doc = json!({"a": {"x": 1}});
    assert_eq!(sel("$.a[?(@.x == 1)]", &doc), Some(json!([{"x": 1}])));
    assert_eq!(sel("$.a[?(@.x == 2)]", &doc), Some(json!([])));
}

#[test]
fn length_function() {
    let doc = json!({"a": [1, 2, 3], "o": {"x": 1}, "s": "abc"});
    assert_eq!(sel("$.a.length()", &doc), Some(json!(3)));
    assert_eq!(sel("$.o.length()", &doc), Some(json!(1)));
    assert_eq!(sel("$.s.length()", &doc), Some(Value::Null));
    assert_eq!(sel("$.missing.length()", &doc), None);
}

#[test]
fn context_and_variables_select_from_their_document() {
    let ctx = json!({"Execution": {"Id": "arn:x"}});
    assert_eq!(sel("$$.Execution.Id", &ctx), Some(json!("arn:x")));
    assert_eq!(sel("$$", &ctx), Some(ctx.clone()));
    assert_eq!(sel("$v.a[0]", &json!({"a": [5]})), Some(json!(5)));
}

#[test]
fn jayway_rendering_and_not_found() {
    let p = Path::parse("$.a.b[0]['c','d'][*]..e[1:2][?(@.x)].length()").unwrap();
    assert_eq!(p.jayway_string(), "$['a']['b'][0]['c','d'][*]..['e'][1:2][?].length()");
    assert_eq!(Path::parse("$[\"a\"]").unwrap().jayway_string(), "$[\"a\"]");

    let doc = json!({"a": {"b": "text", "l": [1]}, "n": null});
    let nf = |p: &str| Path::parse(p).unwrap().select_or_not_found(&doc).unwrap_err().message;
    // Recorded on AWS: "Invalid path '$.NoSuchInputPath' : No results for path: $['NoSuchInputPath']".
    assert_eq!(nf("$.NoSuchInputPath"), "No results for path: $['NoSuchInputPath']");
    assert_eq!(nf("$.a.x"), "No results for path: $['a']['x']");
    assert_eq!(nf("$.x.y"), "Missing property in path $['x']");
    assert!(nf("$.a.l[3].x").starts_with(
        "Expected to find an object with property ['x'] in path $['a']['l'][3] but found 'null'."
    ));
    assert_eq!(nf("$.n[0]"), "The path $['n'] is null");
    assert!(nf("$.a.b.c").starts_with(
        "Expected to find an object with property ['c'] in path $['a']['b'] but found 'java.lang.String'"
    ));
    assert_eq!(
        Path::parse("$.a.b").unwrap().select_or_not_found(&doc).unwrap(),
        Cow::Borrowed(&json!("text"))
    );
}

#[test]
fn set_writes_like_result_path() {
    let set = |p: &str, mut t: Value, v: Value| -> Result<Value, String> {
        Path::parse(p).unwrap().set(&mut t, v).map(|()| t).map_err(|e| e.message)
    };
    assert_eq!(set("$", json!({"a": 1}), json!(5)), Ok(json!(5)));
    assert_eq!(set("$.r", json!({"a": 1}), json!(5)), Ok(json!({"a": 1, "r": 5})));
    assert_eq!(set("$.a", json!({"a": 1, "b": 2}), json!(5)), Ok(json!({"a": 5, "b": 2})));
    assert_eq!(set("$.x.y.z", json!({}), json!(5)), Ok(json!({"x": {"y": {"z": 5}}})));
    assert_eq!(set("$['a b'].c", json!({}), json!(5)), Ok(json!({"a b": {"c": 5}})));
    assert_eq!(set("$.l[1]", json!({"l": [1, 2]}), json!(5)), Ok(json!({"l": [1, 5]})));
    assert_eq!(set("$.l[-1]", json!({"l": [1, 2]}), json!(5)), Ok(json!({"l": [1, 5]})));
    assert_eq!(set("$.l[2]", json!({"l": [1, 2]}), json!(5)), Ok(json!({"l": [1, 2, 5]})));
    assert_eq!(set("$.paramList[0]", json!({"p": 1}), json!(1)), Ok(json!({"p": 1, "paramList": [1]})));
    assert_eq!(set("$.l[0].x", json!({"l": [{"y": 1}]}), json!(5)), Ok(json!({"l": [{"y": 1, "x": 5}]})));
    // Key order is kept when a key is replaced.
    let out = set("$.a", json!({"a": 1, "b": 2}), json!(0)).unwrap();
    assert_eq!(out.as_object().unwrap().keys().collect::<Vec<_>>(), ["a", "b"]);

    assert_eq!(
        set("$.a.b", json!({"a": "x"}), json!(5)),
        Err(r#"Unable to apply step "b" to input {"a":"x"}"#.into())
    );
    assert_eq!(set("$.a", json!([1]), json!(5)), Err(r#"Unable to apply step "a" to input [1]"#.into()));
    assert_eq!(set("$.a", json!("s"), json!(5)), Err(r#"Unable to apply step "a" to input "s""#.into()));
    assert_eq!(
        set("$.n.b", json!({"n": null}), json!(5)),
        Err(r#"Unable to apply step "b" to input {"n":null}"#.into())
    );
    assert_eq!(
        set("$.l[5]", json!({"l": [1]}), json!(5)),
        Err(r#"Unable to apply step "5" to input {"l":[1]}"#.into())
    );
    assert_eq!(set("$.x[1]", json!({}), json!(5)), Err(r#"Unable to apply step "1" to input {}"#.into()));
    assert!(set("$.a[*]", json!({}), json!(1)).is_err());
    assert!(set("$$.a", json!({}), json!(1)).is_err());
    assert!(set("$v.a", json!({}), json!(1)).is_err());
}

#[test]
fn simple_paths_borrow() {
    let doc = json!({"a": {"b": [1, {"c": 2}]}});
    let p = Path::parse("$.a.b[1].c").unwrap();
    assert!(matches!(p.select(&doc), Some(Cow::Borrowed(_))));
}
