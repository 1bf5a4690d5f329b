"""Many threads and two connections appending at once: no turn lost, none in the wrong conversation."""

from __future__ import annotations

import threading

from assistant.conversations.store import ConversationStore

THREADS = 8
TURNS = 25


def _run_all(targets) -> list[BaseException]:
    errors: list[BaseException] = []

    def guarded(target):
        try:
            target()
        except BaseException as error:  # noqa: BLE001 - reported by the test
            errors.append(error)

    threads = [threading.Thread(target=guarded, args=(target,)) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def test_threads_appending_to_their_own_conversations_lose_and_mix_up_nothing(tmp_path, answer_for):
    path = tmp_path / "conversations.sqlite3"
    first, second = ConversationStore(path), ConversationStore(path)  # a second connection, as another process
    stores = [first if n % 2 else second for n in range(THREADS)]
    owners = [f"user{n % 3}" for n in range(THREADS)]
    conversations = [stores[n].create(owners[n], f"collection{n % 4}") for n in range(THREADS)]

    def talk(n: int):
        def run():
            for turn in range(TURNS):
                label = f"t{n}-{turn}"
                stores[n].append(owners[n], conversations[n].id, f"Question {label}?", answer_for(label))

        return run

    assert _run_all([talk(n) for n in range(THREADS)]) == []
    reader = ConversationStore(path)
    for n, conversation in enumerate(conversations):
        turns = reader.turns(owners[n], conversation.id)
        assert [turn.position for turn in turns] == list(range(1, TURNS + 1))
        assert [turn.question for turn in turns] == [f"Question t{n}-{turn}?" for turn in range(TURNS)]
        assert [turn.answer for turn in turns] == [answer_for(f"t{n}-{turn}") for turn in range(TURNS)]
        assert {turn.collection for turn in turns} == {f"collection{n % 4}"}
    for owner in set(owners):
        listed = {conversation.id for conversation in reader.list_for(owner)}
        assert listed == {c.id for n, c in enumerate(conversations) if owners[n] == owner}
    for store in (first, second, reader):
        store.close()


def test_threads_appending_to_one_conversation_get_distinct_positions(store, answer_for):
    conversation = store.create("alice", "papers")

    def talk(n: int):
        return lambda: [store.append("alice", conversation.id, f"q{n}-{i}", answer_for(f"{n}-{i}")) for i in range(10)]

    assert _run_all([talk(n) for n in range(4)]) == []
    turns = store.turns("alice", conversation.id)
    assert [turn.position for turn in turns] == list(range(1, 41))
    assert sorted(turn.question for turn in turns) == sorted(f"q{n}-{i}" for n in range(4) for i in range(10))
    for turn in turns:
        assert turn.answer == answer_for(turn.question[1:])  # each question kept its own answer
