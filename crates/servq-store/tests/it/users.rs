//! Users, sessions, tokens, throttling and the audit log on both databases.

use servq_core::Role;
use servq_store::{Actor, NewUser, Store, StoreError, testing::TestDatabase};

fn admin(name: &str) -> NewUser {
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
            .create_api_token("t-hash-0123456789", "id-ana", "script", &actor, 3_000)
            .await
            .unwrap();
        assert_eq!(
            store
                .api_token_user("t-hash-0123456789")
                .await
                .unwrap()
                .unwrap()
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
