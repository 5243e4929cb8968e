//! Users, sessions, tokens, throttling and the audit log on both databases.

use servq_core::Role;
use servq_store::{
    Actor, NewApiToken, NewUser, Store, StoreError, UserChange, testing::TestDatabase,
};

fn token(hash: &'static str, expires_ms: Option<i64>, read_only: bool) -> NewApiToken<'static> {
    NewApiToken {
        token_hash: hash,
        user_id: "id-ana",
        name: "script",
        expires_ms,
        read_only,
    }
}

/// An administrator called `name` (id `id-{name}`), for the tests of this crate.
pub(crate) fn admin(name: &str) -> NewUser {
    NewUser {
        user_id: format!("id-{name}"),
        username: name.to_owned(),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned(),
        role: Role::Admin,
        agent_id: None,
    }
}

#[tokio::test]
async fn users_sessions_tokens_and_audit() {
    for db in TestDatabase::both().await {
        let store = &Store::open(&db.url).await.unwrap();
        let cli = Actor {
            user_id: None,
            name: "cli".into(),
        };
        assert_eq!(store.user_count().await.unwrap(), 0);
        store.create_user(&admin("ana"), &cli, 1_000).await.unwrap();
        let error = store
            .create_user(&admin("ana"), &cli, 1_001)
            .await
            .unwrap_err();
        assert!(matches!(error, StoreError::UsernameTaken(ref name) if name == "ana"));
        let mut agent = admin("li");
        agent.role = Role::Agent;
        agent.agent_id = Some("a7".into());
        store.create_user(&agent, &cli, 1_002).await.unwrap();
        let li = store.user_by_username("li").await.unwrap().unwrap();
        assert_eq!((li.role, li.agent_id.as_deref()), (Role::Agent, Some("a7")));

        store
            .create_session("s-hash", "id-ana", "csrf", 2_000, 10_000)
            .await
            .unwrap();
        let (user, csrf) = store.session_user("s-hash", 5_000).await.unwrap().unwrap();
        assert_eq!((user.username.as_str(), csrf.as_str()), ("ana", "csrf"));
        assert!(
            store
                .session_user("s-hash", 10_000)
                .await
                .unwrap()
                .is_none(),
            "expired"
        );
        store.delete_session("s-hash").await.unwrap();
        assert!(store.session_user("s-hash", 5_000).await.unwrap().is_none());

        let actor = Actor {
            user_id: Some("id-ana".into()),
            name: "ana".into(),
        };
        store
            .create_api_token(&token("t-hash-0123456789", None, false), &actor, 3_000)
            .await
            .unwrap();
        assert_eq!(
            store
                .api_token_user("t-hash-0123456789", 4_000)
                .await
                .unwrap()
                .unwrap()
                .0
                .username,
            "ana"
        );

        for at in [100, 200, 300] {
            store
                .record_login_failure("ana|127.0.0.1", at)
                .await
                .unwrap();
        }
        assert_eq!(
            store
                .login_failures_since("ana|127.0.0.1", 150)
                .await
                .unwrap(),
            2
        );
        store.clear_login_failures("ana|127.0.0.1").await.unwrap();
        assert_eq!(
            store
                .login_failures_since("ana|127.0.0.1", 0)
                .await
                .unwrap(),
            0
        );

        store.create_setup_token("setup", 9_000).await.unwrap();
        assert!(store.take_setup_token("setup", 5_000).await.unwrap());
        assert!(
            !store.take_setup_token("setup", 5_000).await.unwrap(),
            "one use"
        );

        let log = store.audit_log(10, None).await.unwrap();
        let actions: Vec<(&str, &str)> = log
            .iter()
            .map(|e| (e.action.as_str(), e.entity.as_str()))
            .collect();
        assert_eq!(
            actions,
            [
                ("create", "api_token"),
                ("create", "user"),
                ("create", "user")
            ]
        );
        assert!(log[1].detail.contains("\"role\":\"agent\""));
        assert_eq!(store.audit_log(10, Some(log[1].id)).await.unwrap().len(), 1);
    }
}

#[tokio::test]
async fn tokens_expire_and_are_revoked_users_are_changed_and_one_admin_stays() {
    for db in TestDatabase::both().await {
        let store = &Store::open(&db.url).await.unwrap();
        let cli = Actor {
            user_id: None,
            name: "cli".into(),
        };
        store.create_user(&admin("ana"), &cli, 1_000).await.unwrap();
        let mut li = admin("li");
        li.role = Role::Supervisor;
        store.create_user(&li, &cli, 1_001).await.unwrap();
        // a token works until it expires or is revoked; its scope comes with the user
        store
            .create_api_token(&token("aaaaaaaaaaaa0001", Some(10_000), true), &cli, 2_000)
            .await
            .unwrap();
        store
            .create_api_token(&token("bbbbbbbbbbbb0002", None, false), &cli, 2_001)
            .await
            .unwrap();
        let (user, read_only) = store
            .api_token_user("aaaaaaaaaaaa0001", 9_999)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((user.username.as_str(), read_only), ("ana", true));
        assert!(
            store
                .api_token_user("aaaaaaaaaaaa0001", 10_000)
                .await
                .unwrap()
                .is_none(),
            "expired"
        );
        let listed = store.api_tokens(Some("id-ana")).await.unwrap();
        assert_eq!(listed.len(), 2);
        assert_eq!(
            listed[0].token_id, "bbbbbbbbbbbb",
            "newest first, by public id"
        );
        assert_eq!(listed[1].expires_ms, Some(10_000));
        // only the owner's tokens when an owner is given
        assert!(
            !store
                .revoke_api_token("bbbbbbbbbbbb", Some("id-li"), &cli, 3_000)
                .await
                .unwrap()
        );
        assert!(
            store
                .revoke_api_token("bbbbbbbbbbbb", Some("id-ana"), &cli, 3_000)
                .await
                .unwrap()
        );
        assert!(
            store
                .api_token_user("bbbbbbbbbbbb0002", 3_001)
                .await
                .unwrap()
                .is_none(),
            "revoked"
        );
        assert!(
            !store
                .revoke_api_token("bbbbbbbbbbbb", None, &cli, 3_002)
                .await
                .unwrap(),
            "once"
        );

        // the only admin can be neither demoted nor disabled
        let demote = UserChange {
            role: Some(Role::Analyst),
            ..UserChange::default()
        };
        assert!(matches!(
            store.change_user("id-ana", &demote, &cli, 4_000).await,
            Err(StoreError::LastAdmin)
        ));
        let disable = UserChange {
            disabled: Some(true),
            end_sessions: true,
            ..UserChange::default()
        };
        assert!(matches!(
            store.change_user("id-ana", &disable, &cli, 4_000).await,
            Err(StoreError::LastAdmin)
        ));
        // a second admin makes it possible; disabling ends the sessions and stops the tokens
        let promote = UserChange {
            role: Some(Role::Admin),
            teams: Some(vec!["一组".into(), "二组".into()]),
            ..UserChange::default()
        };
        store
            .change_user("id-li", &promote, &cli, 4_001)
            .await
            .unwrap();
        store
            .create_session("s-ana", "id-ana", "csrf", 4_002, 99_000)
            .await
            .unwrap();
        store
            .create_api_token(&token("cccccccccccc0003", None, false), &cli, 4_003)
            .await
            .unwrap();
        store
            .change_user("id-ana", &disable, &cli, 4_004)
            .await
            .unwrap();
        assert!(store.session_user("s-ana", 5_000).await.unwrap().is_none());
        assert!(
            store
                .api_token_user("cccccccccccc0003", 5_000)
                .await
                .unwrap()
                .is_none()
        );
        let ana = store.user_by_id("id-ana").await.unwrap().unwrap();
        assert!(ana.disabled);
        assert_eq!(
            store.user_teams().await.unwrap(),
            [
                ("id-li".to_owned(), "一组".to_owned()),
                ("id-li".to_owned(), "二组".to_owned())
            ]
        );
        let log = store.audit_log(3, None).await.unwrap();
        assert_eq!(
            (log[0].action.as_str(), log[0].entity.as_str()),
            ("update", "user")
        );
        assert!(
            log[0].detail.contains("\"disabled\":true"),
            "{}",
            log[0].detail
        );
        assert!(!log.iter().any(|e| e.detail.contains("argon2")));
    }
}
