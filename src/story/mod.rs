//! Grouping coverage of one event across outlets into stories. Pure: no store, no I/O.
//!
//! An item joins the active story it is most similar to, if that similarity clears a
//! threshold; otherwise it starts a story of its own. Similarity is TF-IDF cosine between
//! the item and the sum of the story's items, on the whole text and on the headline. Items
//! arrive already filtered to the user's topics, so the words they share with every other
//! item (shooting, police, minister) are common and weigh little, while the names, places
//! and numbers of one event are rare and weigh most; IDF is squared to make that contrast
//! sharper, and names get a boost of their own. Outlets rewriting a wire report share
//! exactly those, and not sentences.
//!
//! Two reports of one place can share its rare words (the neighbourhood, the police
//! spokesman, a holiday's parade) and still be about different events. The ages of the
//! people in them tell many of those apart: reports of one event give the same ages, in
//! whatever words, so an item whose ages are all unknown to a story that gives ages scores
//! lower with it ([`AGE_CONFLICT`]). So does the street where it happened
//! ([`STREET_CONFLICT`]): "the 1200 block of Elm Ave." and "on Elm Avenue" are one street,
//! and two shootings a day apart in one city rarely share theirs.
//!
//! Two shootings on one holiday, at its parades in two cities, share the holiday's rare
//! words, and a report often ends with a "related" paragraph on another event of the day.
//! What a report puts first tells them apart: news names where it happened in the headline
//! or the first sentence ("in Hallandale Beach", "in southeast Houston"). An item whose lede
//! puts its event in a place that no report of a story names, in a story whose ledes put
//! theirs in places its own lede does not name, scores lower with it ([`PLACE_CONFLICT`]),
//! unless they share a person named in full or a street.
//!
//! Coverage of an event goes on after the window: the victim is named, someone is
//! arrested, a vigil is held. Such a report shares few words with the first ones, but it
//! names the same person in full or the same street; with one of those it can join a story
//! up to [`FOLLOW_UP`] windows after the story's latest item, and without, only with a
//! clearly higher similarity ([`LATE_MARGIN`]).
//!
//! An outlet writes some rare words in its reports of every event: its name, its
//! reporters, its sign-off, its city. Two of its items share them whatever they report, so
//! the index counts in how many of an outlet's stories each term appeared, and a term the
//! outlet wrote in many weighs less in its items ([`Features::from_outlet`]). Copyright
//! lines, photo credits and video playlists are dropped from the body before its words are
//! read (`boilerplate`).
//!
//! - [`Features`] (words split and folded in `text`, streets and places read in
//!   `evidence`, both from the words and terms of `words`): an item's terms, counted once, and its ages, streets, places and people
//!   named in full.
//! - [`StoryIndex`]: document frequencies learnt from the items seen, the stories that can
//!   still gain items, and an inverted index from each item's heaviest terms to its story, so a
//!   new item is compared only with the stories that share one of its own heaviest terms,
//!   not with every stored one.
//!
//! What the index holds is bounded: stories leave at [`StoryIndex::prune`], a story's sums
//! keep their heaviest terms only and its streets, places and people at most [`MAX_KEYS`]
//! each, and the document frequencies are halved when their table outgrows its cap
//! (forgetting words seen once long ago).

mod boilerplate;
mod evidence;
mod features;
#[cfg(test)]
mod tests;
mod text;
mod words;

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::time::Duration;

use chrono::{DateTime, Utc};

pub use features::Features;
use words::Term;

/// A story's key, given by the caller (the store's row id).
pub type StoryId = i64;

/// How long after its latest item a story can still gain items, unless configured.
pub const DEFAULT_WINDOW: Duration = Duration::from_secs(72 * 3600);

/// The knobs of the similarity. The defaults are the evaluated ones (`cargo bench --bench
/// stories` prints how the grouping fares around them).
#[derive(Debug, Clone, Copy)]
pub struct Tuning {
    /// Similarity an item needs with a story to join it, in 0..=1.
    pub threshold: f32,
    /// Share of the similarity that comes from the titles; the rest from the whole texts.
    pub title_weight: f32,
    /// Extra weight of a word written as a name, over its TF-IDF weight.
    pub name_boost: f32,
}

impl Default for Tuning {
    fn default() -> Tuning {
        Tuning {
            // Why these values, and what was tried instead with its figures: benches/stories.md.
            threshold: 0.13,
            title_weight: 0.15,
            name_boost: 1.5,
        }
    }
}

/// Terms are already hashes: the maps keyed by them need no hashing of their own.
#[derive(Default)]
struct TermHasher(u64);

impl Hasher for TermHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

type TermMap<V> = HashMap<Term, V, BuildHasherDefault<TermHasher>>;

/// A sparse vector over terms, sorted by term, of unit length.
type Vector = Vec<(Term, f32)>;

/// A story as items are compared with it: the sum of its members' vectors (each weighed
/// with the document frequencies of when it arrived), for the text and for the title.
/// Comparing with the sum rather than with the nearest member keeps a story on its event:
/// terms that its reports share add up, while what one report says of something else (a
/// round-up of the weekend's shootings, an outlet's boilerplate) stays small, so a story
/// does not chain from one event to the next through a single report.
#[derive(Debug)]
struct Story {
    text: Sum,
    title: Sum,
    earliest: DateTime<Utc>,
    latest: DateTime<Utc>,
    /// The terms under which the inverted index lists this story, sorted.
    keys: Vec<Term>,
    /// The ages its items give, sorted (at most one per age in years, so bounded).
    ages: Vec<u8>,
    /// The streets its items name, sorted, at most [`MAX_KEYS`].
    streets: Vec<Term>,
    /// The people its items name in full, sorted, at most [`MAX_KEYS`].
    people: Vec<Term>,
    /// The places its items' ledes name, sorted, at most [`MAX_KEYS`].
    places: Vec<Vec<Term>>,
}

/// Streets, and people, kept per story: more than one event's worth, fewer than a round-up
/// of a city's weekend names.
const MAX_KEYS: usize = 64;

/// Terms kept in a story's sums: the heaviest ones, so a story that gains hundreds of
/// items stays as cheap to compare with as a long article.
const MAX_STORY_TERMS: usize = 4096;

/// Heaviest terms of each item that are put into, and looked up in, the inverted index.
/// Evaluated against comparing every item with every active story: the same grouping.
const KEYS: usize = 24;

/// A term listed under more stories than this is not rare, whatever its IDF said when the
/// stories were indexed: looking it up would compare the item with most active stories.
const MAX_POSTINGS: usize = 64;

/// What an item loses in similarity with a story when both give ages and they share none.
/// Reports of one event that give ages give the same ones (most often the victim's), while
/// two shootings in one city a day apart rarely involve people of the same age; but one
/// report may give only the suspect's age and another only the victim's, so a conflict
/// weighs against joining without forbidding it: about the similarity that the city,
/// neighbourhood and police spokesman shared by two such reports add up to. On the dev
/// corpus F1 is 0.88 with any value from 0.09 to 0.15; without it, 0.87 at the default
/// threshold, and precision falls fast below it (F1 0.82 at a threshold of 0.09, against
/// 0.87 with it).
const AGE_CONFLICT: f32 = 0.12;

/// What an item loses in similarity with a story when both name streets and share none, as
/// with ages ([`AGE_CONFLICT`]) and for the same reason: two shootings a day apart in one
/// city share its name, its police and its words, rarely its street. A report may name
/// only a cross street or where the victim was taken, so a conflict weighs against joining
/// without forbidding it, and half as much as ages do. On the dev corpus, with follow-ups:
/// P 0.912 R 0.884 F1 0.897 with it, P 0.883 R 0.889 F1 0.886 without; 0.03 and 0.1 give
/// about the same F1 as 0.06, and 0.15 loses recall (0.876).
const STREET_CONFLICT: f32 = 0.06;

/// What an item loses in similarity with a story when its lede puts its event in another
/// place than the story's reports do ([`StoryIndex::places_conflict`]). Two shootings in
/// two cities on one holiday share its rare words (Martin Luther King, parade,
/// celebration) as much as two reports of one event do, so the conflict outweighs them:
/// it all but forbids joining, and so is kept to a narrow case. Reports of one event that
/// name different places in their ledes (a neighbourhood and its city, a suburb and its
/// county) mostly name the other place further down, or share a street or a person with
/// the story, and then there is no conflict. On the dev corpus: P 0.945 R 0.901 F1 0.923
/// with it, P 0.917 R 0.901 F1 0.909 without; 0.5 gives the same and 0.15 F1 0.916; a
/// conflict even when a street or a person is shared 0.919; reading the story's places in
/// the item's whole text rather than its lede 0.918 (the Hallandale Beach report names
/// the Miami shooting in its last paragraph); a lede of two sentences 0.922; a conflict
/// when either side's place is missing rather than both 0.913 (neighbourhoods).
const PLACE_CONFLICT: f32 = 0.3;

/// A word of a place that more than this share of the items seen had is not rare enough
/// to tell places apart: a title-case "in Shooting", or the city of a busy outlet. On the
/// dev corpus 0.1 gives the same as 0.05, and 0.01 leaves too few places (F1 0.909).
const PLACE_SHARE: f32 = 0.05;

/// How many windows after its latest item a story still takes an item that names one of its
/// people in full or one of its streets. Coverage of an event goes on for days (the victim
/// named, an arrest, a funeral), and after the window such a report shares few words with
/// the first ones but the names and the place. Beyond the window, a story that shares no
/// person or street with an item needs [`LATE_MARGIN`] more similarity: reaching further
/// for every item at the same threshold merges a city's shootings of the week. On the dev corpus, with the street conflict: P
/// 0.912 R 0.884 F1 0.897 with it, P 0.919 R 0.848 F1 0.882 without (1, the window
/// alone); people alone or streets alone as the key give about 0.89; 2.5 windows give the
/// same as 2 (the corpus's events span at most 6 days).
const FOLLOW_UP: i32 = 2;

/// How much more similarity than the threshold a report needs to join a story whose latest
/// item is more than a window before it, when it shares none of its people or streets.
/// Coverage goes on after the window, and a late report (the victim dies, the suspect is
/// charged) often names neither in the same words, but it still shares the rare words of
/// its event with the first reports: the place, the school, the club, the victims' ages.
/// Past the window a city's next shootings are as many candidates, so only a clear
/// similarity reaches that far. On the dev corpus (with outlets): P 0.918 R 0.896 F1 0.907
/// with 0.1, P 0.920 R 0.883 F1 0.901 without (no late report without a person or street);
/// 0.07 to 0.12 give the same, 0.04 0.904, and none at all (every report reaching two
/// windows) 0.901, precision falling as much as recall rises.
const LATE_MARGIN: f32 = 0.1;

/// How much higher the threshold starts on an index that has seen no documents, and how
/// many documents halve that extra. IDF learnt from a handful of items cannot tell a rare
/// word from a common one: every shared word (the minister, the department, the city)
/// weighs as much as the place and the numbers of one event, so two events with the same
/// people score as high as two reports of one event would score later. At a fresh install
/// (the store feeds the index only with matched items) the first items would merge on
/// those (a minister's other dispute scores 0.16 with his radar test after one document,
/// while a rewrite sharing no headline word scores 0.23). The margin fades as the counts
/// become evidence: +0.05 at none, +0.025 at ten, under +0.005 past a hundred.
const COLD_MARGIN: f32 = 0.05;
const COLD_DOCS: f32 = 10.0;

/// How many stories an outlet's term must have appeared in before it counts as the
/// outlet's own, and the prior added to the outlet's stories when that share is taken.
/// Local outlets repeat their slogan, station name, reporters, video playlists and city in
/// reports of every event, so two of their items share those rare terms whatever they
/// report; a term's weight in an outlet's item is multiplied by one minus the share of
/// the outlet's earlier stories that had it, once it appeared in [`OUTLET_MIN`] of them.
/// On the dev corpus (host names as outlets, most with a handful of items): P 0.920 R 0.883
/// F1 0.901 with it, P 0.912 R 0.884 F1 0.897 without; a minimum of 2 or 4 stories, a prior
/// of 1 or 4, or the share squared or its root give 0.899 to 0.901. An outlet's first
/// reports carry what it has not yet repeated, so the gain grows with its history.
const OUTLET_MIN: u32 = 3;
const OUTLET_PRIOR: f32 = 2.0;

/// Terms remembered over all outlets; past this every outlet's counts are halved, as
/// document frequencies are.
const MAX_OUTLET_TERMS: usize = 1 << 20;

/// What one outlet wrote: in how many stories (the ones it added items to) each term
/// appeared.
#[derive(Debug, Default)]
struct Outlet {
    stories: u32,
    /// The story it last counted, so that a story's items count once (items of one story
    /// come together).
    last: Option<StoryId>,
    terms: TermMap<(u32, StoryId)>,
}

impl Outlet {
    /// What a term keeps of its weight in this outlet's items.
    fn keep(&self, term: Term) -> f32 {
        match self.terms.get(&term) {
            Some(&(n, _)) if n >= OUTLET_MIN => {
                1.0 - n as f32 / (self.stories as f32 + OUTLET_PRIOR)
            }
            _ => 1.0,
        }
    }

    /// Halves the counts, dropping the terms counted once.
    fn forget(&mut self) {
        self.stories /= 2;
        self.terms.retain(|_, (n, _)| {
            *n /= 2;
            *n > 0
        });
    }

    fn add(&mut self, story: StoryId, terms: &[(Term, f32)]) {
        if self.last != Some(story) {
            self.stories += 1;
            self.last = Some(story);
        }
        for &(term, _) in terms {
            let entry = self.terms.entry(term).or_insert((0, story));
            if entry.0 == 0 || entry.1 != story {
                *entry = (entry.0 + 1, story);
            }
        }
    }
}

/// When the document-frequency table holds more terms than this, every count is halved.
const MAX_TERMS: usize = 1 << 20;

/// The stories active in the window, and the document frequencies learnt from the items
/// seen.
#[derive(Debug)]
pub struct StoryIndex {
    window: chrono::Duration,
    /// How long a story is kept after its latest item: [`FOLLOW_UP`] windows.
    reach: chrono::Duration,
    tuning: Tuning,
    df: TermMap<u32>,
    docs: u32,
    stories: HashMap<StoryId, Story>,
    postings: TermMap<Vec<StoryId>>,
    outlets: TermMap<Outlet>,
    /// Terms held by all of `outlets`.
    outlet_terms: usize,
}

impl std::fmt::Debug for TermHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TermHasher")
    }
}

impl StoryIndex {
    pub fn new(window: Duration) -> StoryIndex {
        StoryIndex::tuned(window, Tuning::default())
    }

    pub fn tuned(window: Duration, tuning: Tuning) -> StoryIndex {
        let window = chrono::Duration::from_std(window).unwrap_or(chrono::Duration::MAX);
        StoryIndex {
            window,
            reach: window
                .checked_mul(FOLLOW_UP)
                .unwrap_or(chrono::Duration::MAX),
            tuning,
            df: TermMap::default(),
            docs: 0,
            stories: HashMap::new(),
            postings: TermMap::default(),
            outlets: TermMap::default(),
            outlet_terms: 0,
        }
    }

    /// Counts an item's terms towards the document frequencies without making it a
    /// candidate (history older than [`StoryIndex::reach`], when the index is rebuilt).
    pub fn learn(&mut self, features: &Features) {
        if self.df.len() > MAX_TERMS {
            self.forget();
        }
        self.docs += 1;
        for &(term, _) in &features.terms {
            *self.df.entry(term).or_insert(0) += 1;
        }
    }

    /// Halves every document frequency (and the number of documents), dropping the terms
    /// seen once: the ratios that make IDF stay, and the table stays bounded.
    fn forget(&mut self) {
        self.docs /= 2;
        self.df.retain(|_, n| {
            *n /= 2;
            *n > 0
        });
    }

    fn idf(&self, term: Term) -> f32 {
        let df = self.df.get(&term).copied().unwrap_or(0);
        ((1.0 + self.docs as f32) / (1.0 + df as f32)).ln() + 1.0
    }

    /// How much sharing `term` says that two items report one event: IDF squared, so that
    /// the rare terms (names, places, numbers) dominate more than plain TF-IDF lets them,
    /// and the words of the topic count for little.
    fn rarity(&self, term: Term) -> f32 {
        let idf = self.idf(term);
        idf * idf
    }

    fn weigh(&self, features: &Features) -> Vector {
        let outlet = features.outlet.and_then(|o| self.outlets.get(&o));
        let keep = |t| outlet.map_or(1.0, |o| o.keep(t));
        let mut v: Vector = features
            .terms
            .iter()
            .map(|&(t, w)| (t, w * self.rarity(t) * keep(t)))
            .collect();
        normalise(&mut v);
        v
    }

    fn weigh_title(&self, features: &Features) -> Vector {
        let outlet = features.outlet.and_then(|o| self.outlets.get(&o));
        let keep = |t| outlet.map_or(1.0, |o| o.keep(t));
        let mut v: Vector = features
            .title
            .iter()
            .map(|&t| (t, self.rarity(t) * keep(t)))
            .collect();
        normalise(&mut v);
        v
    }

    /// The heaviest terms of `v` that some earlier item had: the others cannot lead to a
    /// story.
    fn keys(&self, v: &Vector) -> Vec<Term> {
        let mut known: Vec<(Term, f32)> = v
            .iter()
            .copied()
            .filter(|(t, _)| self.df.contains_key(t))
            .collect();
        let k = KEYS.min(known.len());
        if k < known.len() {
            known.select_nth_unstable_by(k, |a, b| b.1.total_cmp(&a.1));
            known.truncate(k);
        }
        known.into_iter().map(|(t, _)| t).collect()
    }

    /// The active story that this item reports, if any.
    pub fn find(&self, features: &Features, time: DateTime<Utc>) -> Option<StoryId> {
        let text = self.weigh(features);
        let title = self.weigh_title(features);
        let mut candidates: Vec<StoryId> = Vec::new();
        for key in self.keys(&text) {
            if let Some(stories) = self.postings.get(&key)
                && stories.len() <= MAX_POSTINGS
            {
                candidates.extend_from_slice(stories);
            }
        }
        candidates.sort_unstable();
        candidates.dedup();

        let threshold = self.threshold();
        let mut best: Option<(StoryId, f32)> = None;
        for id in candidates {
            let Some(story) = self.stories.get(&id) else {
                continue;
            };
            let follows_up = || {
                let e = &features.evidence;
                shares(&e.people, &story.people) || shares(&e.streets, &story.streets)
            };
            let recent = within(story, time, self.window);
            if !(recent || within(story, time, self.reach)) {
                continue;
            }
            let late = if recent || follows_up() {
                0.0
            } else {
                LATE_MARGIN
            };
            let score = self.score(&text, &title, features, story);
            if score >= threshold + late && best.is_none_or(|(_, s)| score > s) {
                best = Some((id, score));
            }
        }
        best.map(|(id, _)| id)
    }

    /// The similarity an item needs to join a story: the tuned threshold, plus a margin
    /// while few documents have been seen ([`COLD_MARGIN`]).
    fn threshold(&self) -> f32 {
        self.tuning.threshold + COLD_MARGIN * COLD_DOCS / (COLD_DOCS + self.docs as f32)
    }

    fn score(&self, text: &Vector, title: &Vector, features: &Features, story: &Story) -> f32 {
        let t = &self.tuning;
        let mut similarity = (1.0 - t.title_weight) * story.text.cosine(text)
            + t.title_weight * story.title.cosine(title);
        if conflict(&features.ages, &story.ages) {
            similarity -= AGE_CONFLICT;
        }
        if conflict(&features.evidence.streets, &story.streets) {
            similarity -= STREET_CONFLICT;
        }
        if self.places_conflict(features, story) {
            similarity -= PLACE_CONFLICT;
        }
        similarity
    }

    /// Whether an item and a story put their events in different places
    /// ([`PLACE_CONFLICT`]): each names a place in its ledes, the item's places are named in
    /// none of the story's reports, the story's are not in the item's lede, and they share
    /// no person named in full and no street. A place's common words do not count: a
    /// headline in title case reads "in Shooting", and a city with many reports is named in
    /// every report of its outlets.
    fn places_conflict(&self, features: &Features, story: &Story) -> bool {
        let e = &features.evidence;
        if e.places.is_empty()
            || story.places.is_empty()
            || shares(&e.people, &story.people)
            || shares(&e.streets, &story.streets)
        {
            return false;
        }
        let rare = |t: &&Term| {
            self.df.get(*t).copied().unwrap_or(0) as f32 <= PLACE_SHARE * self.docs as f32
        };
        // Whether any place of `places` has rare words, and whether one has all of them in
        // `named`.
        let named = |places: &[Vec<Term>], named: &dyn Fn(Term) -> bool| {
            let mut rare_place = false;
            for place in places {
                let mut words = place.iter().filter(rare).peekable();
                if words.peek().is_none() {
                    continue;
                }
                if words.all(|&t| named(t)) {
                    return (true, true);
                }
                rare_place = true;
            }
            (rare_place, false)
        };
        let in_story = |t: Term| story.text.vector.binary_search_by_key(&t, |x| x.0).is_ok();
        let in_lede = |t: Term| e.lede.binary_search(&t).is_ok();
        let (mine, found) = named(&e.places, &in_story);
        if !mine || found {
            return false;
        }
        let (theirs, found) = named(&story.places, &in_lede);
        theirs && !found
    }

    /// Adds an item to `story` (found by [`StoryIndex::find`], or new) and learns its terms.
    pub fn add(&mut self, story: StoryId, features: Features, time: DateTime<Utc>) {
        self.learn(&features);
        let text = self.weigh(&features);
        let title = self.weigh_title(&features);
        if let Some(outlet) = features.outlet {
            self.count_outlet(outlet, story, &features.terms);
        }
        let keys = self.keys(&text);
        let entry = self.stories.entry(story).or_insert_with(|| Story {
            text: Sum::default(),
            title: Sum::default(),
            earliest: time,
            latest: time,
            keys: Vec::new(),
            ages: Vec::new(),
            streets: Vec::new(),
            people: Vec::new(),
            places: Vec::new(),
        });
        for place in &features.evidence.places {
            if entry.places.len() < MAX_KEYS
                && let Err(at) = entry.places.binary_search(place)
            {
                entry.places.insert(at, place.clone());
            }
        }
        for &age in &features.ages {
            insert(&mut entry.ages, age, usize::MAX);
        }
        for &street in &features.evidence.streets {
            insert(&mut entry.streets, street, MAX_KEYS);
        }
        for &person in &features.evidence.people {
            insert(&mut entry.people, person, MAX_KEYS);
        }
        entry.earliest = entry.earliest.min(time);
        entry.latest = entry.latest.max(time);
        entry.text.add(&text);
        entry.title.add(&title);
        for key in keys {
            if let Err(at) = entry.keys.binary_search(&key) {
                entry.keys.insert(at, key);
                self.postings.entry(key).or_default().push(story);
            }
        }
    }

    /// Counts an item's terms as its outlet's, within the bound on all outlets' terms.
    fn count_outlet(&mut self, outlet: Term, story: StoryId, terms: &[(Term, f32)]) {
        if self.outlet_terms > MAX_OUTLET_TERMS {
            self.outlets.values_mut().for_each(Outlet::forget);
            self.outlets.retain(|_, o| !o.terms.is_empty());
            self.outlet_terms = self.outlets.values().map(|o| o.terms.len()).sum();
        }
        let entry = self.outlets.entry(outlet).or_default();
        let before = entry.terms.len();
        entry.add(story, terms);
        self.outlet_terms += entry.terms.len() - before;
    }

    /// Forgets the stories that no item at `now` or later can join: those whose latest
    /// item is more than [`StoryIndex::reach`] before it.
    pub fn prune(&mut self, now: DateTime<Utc>) {
        let reach = self.reach;
        let postings = &mut self.postings;
        self.stories.retain(|&id, story| {
            if now - story.latest <= reach {
                return true;
            }
            for key in &story.keys {
                if let Some(list) = postings.get_mut(key) {
                    list.retain(|&s| s != id);
                    if list.is_empty() {
                        postings.remove(key);
                    }
                }
            }
            false
        });
    }

    /// Stories that can still gain items.
    pub fn active(&self) -> usize {
        self.stories.len()
    }

    /// How long after its latest item a story can still gain an item: [`FOLLOW_UP`] times
    /// the window, for a report that names its people or streets. An index rebuilt from
    /// history needs the items of that span.
    pub fn reach(&self) -> Duration {
        self.reach.to_std().unwrap_or(Duration::MAX)
    }
}

/// Whether `time` is within `span` of one of the story's items (items may arrive out of
/// order). A span too long for the calendar covers everything.
fn within(story: &Story, time: DateTime<Utc>, span: chrono::Duration) -> bool {
    let from = story.earliest.checked_sub_signed(span);
    let to = story.latest.checked_add_signed(span);
    from.is_none_or(|from| from <= time) && to.is_none_or(|to| time <= to)
}

/// Inserts `x` into the sorted set `set`, unless it is there or the set holds `cap`.
fn insert<T: Ord>(set: &mut Vec<T>, x: T, cap: usize) {
    if set.len() < cap
        && let Err(at) = set.binary_search(&x)
    {
        set.insert(at, x);
    }
}

/// Whether two sorted sets share something.
fn shares<T: Ord>(a: &[T], b: &[T]) -> bool {
    a.iter().any(|x| b.binary_search(x).is_ok())
}

/// Whether two sorted sets (of ages, of streets) both say something and have nothing in
/// common.
fn conflict<T: Ord>(a: &[T], b: &[T]) -> bool {
    !a.is_empty() && !b.is_empty() && !shares(a, b)
}

fn normalise(v: &mut Vector) {
    let norm = v.iter().map(|&(_, w)| w * w).sum::<f32>().sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|(_, w)| *w /= norm);
    }
}

/// A sum of unit vectors, with its length.
#[derive(Debug, Default)]
struct Sum {
    vector: Vector,
    norm: f32,
}

impl Sum {
    /// Adds `v`, then cuts the sum to its [`MAX_STORY_TERMS`] heaviest terms.
    fn add(&mut self, v: &Vector) {
        let a = &self.vector;
        let mut out = Vec::with_capacity(a.len() + v.len());
        let (mut i, mut j) = (0, 0);
        loop {
            let next = match (a.get(i), v.get(j)) {
                (Some(&x), Some(&y)) if x.0 == y.0 => {
                    i += 1;
                    j += 1;
                    (x.0, x.1 + y.1)
                }
                (Some(&x), Some(&y)) if x.0 < y.0 => {
                    i += 1;
                    x
                }
                (Some(&x), None) => {
                    i += 1;
                    x
                }
                (_, Some(&y)) => {
                    j += 1;
                    y
                }
                (None, None) => break,
            };
            out.push(next);
        }
        if out.len() > MAX_STORY_TERMS {
            out.select_nth_unstable_by(MAX_STORY_TERMS, |x, y| y.1.total_cmp(&x.1));
            out.truncate(MAX_STORY_TERMS);
            out.sort_unstable_by_key(|&(t, _)| t);
        }
        self.norm = out.iter().map(|&(_, w)| w * w).sum::<f32>().sqrt();
        self.vector = out;
    }

    /// Cosine between this sum and a unit vector.
    fn cosine(&self, unit: &Vector) -> f32 {
        if self.norm == 0.0 {
            return 0.0;
        }
        dot(unit, &self.vector) / self.norm
    }
}

/// Dot product of two sparse vectors sorted by term.
fn dot(a: &Vector, b: &Vector) -> f32 {
    let (mut i, mut j, mut sum) = (0, 0, 0.0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                sum += a[i].1 * b[j].1;
                i += 1;
                j += 1;
            }
        }
    }
    sum
}
