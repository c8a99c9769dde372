//! Conformance cases of the definition, activity and tag ports.

use super::*;

pub async fn state_machine_lifecycle(store: &dyn Store) {
    let (sm, rev) = machine("Orders", 10);
    store.create_state_machine(&sm, &rev).await.expect("create");
    assert_eq!(store.get_state_machine(&sm.arn).await.expect("get"), Some(sm.clone()));
    assert_eq!(store.get_state_machine(&sm_arn("Nope")).await.expect("get"), None);
    let (_, rev_b) = machine("Orders-b", 10);
    assert_eq!(store.create_state_machine(&sm, &rev_b).await, Err(Error::AlreadyExists));
    assert_eq!(store.get_revision(&sm.arn, &rev.revision_id).await.expect("rev"), Some(rev.clone()));

    // Conditional update with a new revision.
    let mut updated = sm.clone();
    updated.updated = 20;
    updated.revision_id = "Orders-rev-2".to_string();
    let rev2 = RevisionRecord {
        revision_id: "Orders-rev-2".to_string(),
        definition: "{}".to_string(),
        ..rev.clone()
    };
    assert_eq!(store.update_state_machine(&updated, 11, Some(&rev2)).await, Err(Error::Conflict));
    assert_eq!(
        store.get_revision(&sm.arn, "Orders-rev-2").await.expect("rev"),
        None,
        "a lost update stores no revision"
    );
    store.update_state_machine(&updated, 10, Some(&rev2)).await.expect("update");
    assert_eq!(store.get_state_machine(&sm.arn).await.expect("get"), Some(updated.clone()));
    assert_eq!(store.update_state_machine(&updated, 10, None).await, Err(Error::Conflict));
    let mut again = updated.clone();
    again.updated = 30;
    assert_eq!(store.update_state_machine(&again, 20, Some(&rev2)).await, Err(Error::AlreadyExists));
    assert_eq!(store.get_state_machine(&sm.arn).await.expect("get"), Some(updated.clone()));
    let (ghost, _) = machine("Ghost", 1);
    assert_eq!(store.update_state_machine(&ghost, 1, None).await, Err(Error::NotFound));

    // Versions, aliases and tags go with the state machine; revisions and executions stay.
    store.put_version(&version("Orders", 1)).await.expect("version");
    store.put_alias(&alias("Orders", "prod", 1), true).await.expect("alias");
    store.tag(&sm.arn, &[("team".to_string(), "a".to_string())]).await.expect("tag");
    store.tag(&alias("Orders", "prod", 1).arn, &[("k".to_string(), "v".to_string())]).await.expect("tag");
    let exec = create(store, "Orders", "e1", 100).await;
    store.delete_state_machine(&sm.arn).await.expect("delete");
    assert_eq!(store.get_state_machine(&sm.arn).await.expect("get"), None);
    assert_eq!(store.get_version(&version("Orders", 1).arn).await.expect("get"), None);
    assert_eq!(store.get_alias(&alias("Orders", "prod", 1).arn).await.expect("get"), None);
    assert_eq!(store.list_versions(&sm.arn, &all()).await.expect("list").items, vec![]);
    assert_eq!(store.list_aliases(&sm.arn, &all()).await.expect("list").items, vec![]);
    assert_eq!(store.tags(&sm.arn).await.expect("tags"), vec![]);
    assert_eq!(store.tags(&alias("Orders", "prod", 1).arn).await.expect("tags"), vec![]);
    assert_eq!(store.get_revision(&sm.arn, &rev.revision_id).await.expect("rev"), Some(rev.clone()));
    assert_eq!(store.get_revision(&sm.arn, "Orders-rev-2").await.expect("rev"), Some(rev2));
    assert!(store.get_execution(&exec).await.expect("get").is_some());
    assert_eq!(store.delete_state_machine(&sm.arn).await, Err(Error::NotFound));
    assert_eq!(store.list_state_machines(&all()).await.expect("list").items, vec![]);
}

pub async fn list_state_machines_by_name(store: &dyn Store) {
    let names = ["delta", "alpha", "echo", "charlie", "bravo"];
    for (i, name) in names.iter().enumerate() {
        let (sm, rev) = machine(name, 100 - i as i64);
        store.create_state_machine(&sm, &rev).await.expect("create");
    }
    let mut sorted = names.to_vec();
    sorted.sort();
    for limit in 1..=6 {
        let mut got = Vec::new();
        let mut token = None;
        let mut pages = 0;
        loop {
            let p = store.list_state_machines(&page(limit, token)).await.expect("list");
            assert!(p.items.len() <= limit);
            got.extend(p.items.into_iter().map(|m| m.name));
            pages += 1;
            token = p.next_token;
            if token.is_none() {
                break;
            }
        }
        assert_eq!(got, sorted, "limit {limit}");
        assert_eq!(pages, sorted.len().div_ceil(limit), "no empty trailing page at limit {limit}");
    }
    let everything = store.list_state_machines(&all()).await.expect("list");
    assert_eq!(everything.items.len(), 5);
    assert_eq!(everything.next_token, None);
}

pub async fn versions(store: &dyn Store) {
    assert_eq!(store.put_version(&version("Orders", 1)).await, Err(Error::NotFound));
    let (sm, rev) = machine("Orders", 1);
    store.create_state_machine(&sm, &rev).await.expect("create");
    for n in 1..=4 {
        store.put_version(&version("Orders", n)).await.expect("put");
    }
    assert_eq!(store.put_version(&version("Orders", 2)).await, Err(Error::AlreadyExists));
    let mut same_number = version("Orders", 3);
    same_number.arn = format!("{}:other", sm.arn);
    assert_eq!(store.put_version(&same_number).await, Err(Error::AlreadyExists));
    assert_eq!(store.get_version(&version("Orders", 3).arn).await.expect("get"), Some(version("Orders", 3)));

    let p1 = store.list_versions(&sm.arn, &page(1, None)).await.expect("list");
    assert_eq!(p1.items, vec![version("Orders", 4)]);
    let p2 = store.list_versions(&sm.arn, &page(2, p1.next_token)).await.expect("list");
    assert_eq!(p2.items, vec![version("Orders", 3), version("Orders", 2)]);
    let p3 = store.list_versions(&sm.arn, &page(1, p2.next_token)).await.expect("list");
    assert_eq!(p3.items, vec![version("Orders", 1)]);
    assert_eq!(p3.next_token, None);

    store.delete_version(&version("Orders", 3).arn).await.expect("delete");
    assert_eq!(store.delete_version(&version("Orders", 3).arn).await, Err(Error::NotFound));
    let numbers: Vec<u64> =
        store.list_versions(&sm.arn, &all()).await.expect("list").items.iter().map(|v| v.version).collect();
    assert_eq!(numbers, vec![4, 2, 1]);
    assert_eq!(store.list_versions(&sm_arn("Other"), &all()).await.expect("list").items, vec![]);
}

pub async fn aliases(store: &dyn Store) {
    assert_eq!(store.put_alias(&alias("Orders", "prod", 1), true).await, Err(Error::NotFound));
    let (sm, rev) = machine("Orders", 1);
    store.create_state_machine(&sm, &rev).await.expect("create");
    store.put_alias(&alias("Orders", "prod", 1), true).await.expect("create alias");
    store.put_alias(&alias("Orders", "beta", 1), true).await.expect("create alias");
    let mut moved = alias("Orders", "prod", 2);
    assert_eq!(store.put_alias(&moved, true).await, Err(Error::AlreadyExists));
    assert_eq!(store.get_alias(&moved.arn).await.expect("get"), Some(alias("Orders", "prod", 1)));
    moved.updated = 9;
    store.put_alias(&moved, false).await.expect("replace alias");
    assert_eq!(store.get_alias(&moved.arn).await.expect("get"), Some(moved.clone()));
    store.put_alias(&alias("Orders", "canary", 1), false).await.expect("upsert creates");

    let p1 = store.list_aliases(&sm.arn, &page(2, None)).await.expect("list");
    let names: Vec<&str> = p1.items.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, vec!["beta", "canary"]);
    let p2 = store.list_aliases(&sm.arn, &page(2, p1.next_token)).await.expect("list");
    assert_eq!(p2.items, vec![moved.clone()]);
    assert_eq!(p2.next_token, None);

    store.delete_alias(&moved.arn).await.expect("delete");
    assert_eq!(store.delete_alias(&moved.arn).await, Err(Error::NotFound));
    assert_eq!(store.get_alias(&moved.arn).await.expect("get"), None);
}

pub async fn activities(store: &dyn Store) {
    let act = |name: &str, created: i64| ActivityRecord {
        record_version: RECORD_VERSION,
        arn: format!("{ACCOUNT}:activity:{name}"),
        name: name.to_string(),
        created,
    };
    assert_eq!(store.create_activity(&act("work", 1)).await.expect("create"), act("work", 1));
    assert_eq!(store.create_activity(&act("work", 2)).await.expect("idempotent"), act("work", 1));
    assert_eq!(store.get_activity(&act("work", 1).arn).await.expect("get"), Some(act("work", 1)));
    for name in ["zeta", "alpha", "mid"] {
        store.create_activity(&act(name, 3)).await.expect("create");
    }
    let p1 = store.list_activities(&page(3, None)).await.expect("list");
    assert_eq!(p1.items.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(), ["alpha", "mid", "work"]);
    let p2 = store.list_activities(&page(3, p1.next_token)).await.expect("list");
    assert_eq!((p2.items, p2.next_token), (vec![act("zeta", 3)], None));
    store.tag(&act("mid", 3).arn, &[("k".to_string(), "v".to_string())]).await.expect("tag");
    store.delete_activity(&act("mid", 3).arn).await.expect("delete");
    assert_eq!(store.tags(&act("mid", 3).arn).await.expect("tags"), vec![]);
    assert_eq!(store.delete_activity(&act("mid", 3).arn).await, Err(Error::NotFound));
    assert_eq!(store.get_activity(&act("mid", 3).arn).await.expect("get"), None);
    assert_eq!(store.list_activities(&all()).await.expect("list").items.len(), 3);
}

pub async fn tags(store: &dyn Store) {
    let arn = sm_arn("Tagged");
    let kv = |k: &str, v: &str| (k.to_string(), v.to_string());
    assert_eq!(store.tags(&arn).await.expect("tags"), vec![]);
    store.tag(&arn, &[kv("b", "2"), kv("a", "1")]).await.expect("tag");
    store.tag(&arn, &[kv("b", "3"), kv("c", "4")]).await.expect("tag");
    assert_eq!(store.tags(&arn).await.expect("tags"), vec![kv("a", "1"), kv("b", "3"), kv("c", "4")]);
    store.untag(&arn, &["a".to_string(), "zz".to_string()]).await.expect("untag");
    assert_eq!(store.tags(&arn).await.expect("tags"), vec![kv("b", "3"), kv("c", "4")]);
    store.untag(&sm_arn("Nobody"), &["a".to_string()]).await.expect("untag nothing");
    assert_eq!(store.tags(&sm_arn("Other")).await.expect("tags"), vec![]);
    store.untag(&arn, &["b".to_string(), "c".to_string()]).await.expect("untag");
    assert_eq!(store.tags(&arn).await.expect("tags"), vec![]);
}

pub async fn invalid_tokens(store: &dyn Store) {
    let arn = create(store, "Orders", "e", 1).await;
    let (sm, rev) = machine("Orders", 1);
    store.create_state_machine(&sm, &rev).await.expect("create");
    let bad = || page(1, Some("not-a-token!".to_string()));
    let invalid =
        |r: std::result::Result<(), Error>| assert!(matches!(r, Err(Error::InvalidToken(_))), "{r:?}");
    invalid(store.history(&arn, false, &bad()).await.map(drop));
    invalid(store.list_executions(&ExecutionFilter::default(), &bad()).await.map(drop));
    invalid(store.list_state_machines(&bad()).await.map(drop));
    invalid(store.list_versions(&sm.arn, &bad()).await.map(drop));
    invalid(store.list_aliases(&sm.arn, &bad()).await.map(drop));
    invalid(store.list_activities(&bad()).await.map(drop));
}
