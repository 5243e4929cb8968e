//! The knowledge base's search index follows the articles: what a save, a change of status or
//! audience, a re-cut and a store from before the index leave in each token's list.

use std::collections::BTreeSet;

use servq_kb::{
    ArticleInput, ArticleLevel, ArticleStatus, Audience, DocTerms, Tokenizer, postings,
};
use servq_store::{Actor, ArticleTerms, ArticleWrite, Store, testing::TestDatabase};

/// (article, title count, body count, public) of every entry in `token`'s list.
async fn listed(store: &Store, token: &str) -> BTreeSet<(String, u32, u32, bool)> {
    let mut found = BTreeSet::new();
    for (stored, bytes) in store.kb_postings(&[token.to_owned()]).await.unwrap() {
        assert_eq!(stored, token);
        for posting in postings::decode(&bytes) {
            assert!(
                found.insert((
                    posting.article.to_owned(),
                    posting.title,
                    posting.body,
                    posting.public
                )),
                "{} twice in {token}",
                posting.article
            );
        }
    }
    found
}

fn write(
    tokenizer: &Tokenizer,
    id: &str,
    title: &str,
    body: &str,
    audience: Audience,
    status: ArticleStatus,
) -> ArticleWrite {
    let terms = DocTerms::of(tokenizer, title, body, &[]);
    ArticleWrite {
        input: ArticleInput {
            id: id.into(),
            title: title.into(),
            body: body.into(),
            level: ArticleLevel::Basic,
            tags: Vec::new(),
            language: "zh-CN".into(),
            category: String::new(),
            audience,
            owner: String::new(),
        },
        status,
        review_date: String::new(),
        terms: terms.encode(),
        length: terms.length() as i64,
        note: String::new(),
        approves: None,
    }
}

fn entry(id: &str, title: u32, body: u32, public: bool) -> (String, u32, u32, bool) {
    (id.to_owned(), title, body, public)
}

#[tokio::test]
async fn the_search_index_follows_saves_status_audience_and_recuts() {
    let tokenizer = Tokenizer::new(&[]);
    let actor = Actor {
        user_id: None,
        name: "cli".into(),
    };
    use ArticleStatus::{Draft, Published};
    use Audience::{Internal, Public};
    for database in TestDatabase::both().await {
        let store = Store::open(&database.url).await.unwrap();
        let save = |writes: Vec<ArticleWrite>| {
            let store = store.clone();
            let actor = actor.clone();
            async move { store.kb_save(&writes, &actor, 1).await.unwrap() }
        };
        save(vec![
            write(&tokenizer, "A", "挂失", "卡丢了请挂失。", Public, Published),
            write(
                &tokenizer,
                "B",
                "挂失流程",
                "先挂失再补办。",
                Internal,
                Draft,
            ),
            write(
                &tokenizer,
                "C",
                "积分",
                "挂失后积分保留。",
                Internal,
                Published,
            ),
        ])
        .await;
        let length = |title: &str, body: &str| DocTerms::of(&tokenizer, title, body, &[]).length();
        let (a1, c1) = (
            length("挂失", "卡丢了请挂失。"),
            length("积分", "挂失后积分保留。"),
        );
        assert_eq!(store.kb_collection().await.unwrap(), (2, (a1 + c1) / 2.0));
        // drafts are not found; counts and audience as written
        assert_eq!(
            listed(&store, "挂失").await,
            [entry("A", 1, 1, true), entry("C", 0, 1, false)].into()
        );
        // a changed article leaves the lists of the words it lost
        save(vec![write(
            &tokenizer,
            "A",
            "补办",
            "补办新卡。",
            Public,
            Published,
        )])
        .await;
        assert_eq!(
            listed(&store, "挂失").await,
            [entry("C", 0, 1, false)].into()
        );
        assert_eq!(
            listed(&store, "补办").await,
            [entry("A", 1, 1, true)].into()
        );
        // publishing finds it; a change of audience shows in every list
        save(vec![
            write(
                &tokenizer,
                "B",
                "挂失流程",
                "先挂失再补办。",
                Internal,
                Published,
            ),
            write(
                &tokenizer,
                "C",
                "积分",
                "挂失后积分保留。",
                Public,
                Published,
            ),
        ])
        .await;
        assert_eq!(
            listed(&store, "挂失").await,
            [entry("B", 1, 1, false), entry("C", 0, 1, true)].into()
        );
        assert_eq!(
            listed(&store, "补办").await,
            [entry("A", 1, 1, true), entry("B", 0, 1, false)].into()
        );
        // back to draft: gone, and a list left empty is no row at all
        save(vec![write(
            &tokenizer,
            "A",
            "补办",
            "补办新卡。",
            Public,
            Draft,
        )])
        .await;
        assert_eq!(
            listed(&store, "补办").await,
            [entry("B", 0, 1, false)].into()
        );
        assert!(
            store
                .kb_postings(&["新卡".into()])
                .await
                .unwrap()
                .is_empty()
        );
        // a re-cut with a dictionary term: the new token listed, the article's status kept
        let cut = Tokenizer::new(&["积分保留".to_owned()]);
        let recut: Vec<ArticleTerms> = ["B", "C"]
            .iter()
            .map(|id| {
                let (title, body) = if *id == "B" {
                    ("挂失流程", "先挂失再补办。")
                } else {
                    ("积分", "挂失后积分保留。")
                };
                let terms = DocTerms::of(&cut, title, body, &[]);
                ArticleTerms {
                    id: (*id).into(),
                    terms: terms.encode(),
                    length: terms.length() as i64,
                }
            })
            .collect();
        store.kb_set_terms(&recut).await.unwrap();
        assert_eq!(
            listed(&store, "积分保留").await,
            [entry("C", 0, 1, true)].into()
        );
        let collection = store.kb_collection().await.unwrap();
        let before: Vec<_> = {
            let mut all = Vec::new();
            for token in ["挂失", "补办", "积分", "积分保留", "卡"] {
                all.push(listed(&store, token).await);
            }
            all
        };
        store.close().await;
        // a store whose index is empty (one from before it) gets it back when opened
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&database.url).await.unwrap();
        sqlx::query("DELETE FROM kb_postings")
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
        let store = Store::open(&database.url).await.unwrap();
        let mut after = Vec::new();
        for token in ["挂失", "补办", "积分", "积分保留", "卡"] {
            after.push(listed(&store, token).await);
        }
        assert_eq!(after, before);
        assert_eq!(store.kb_collection().await.unwrap(), collection);
        store.close().await;
    }
}
