"""A training test's losses reach the `katas` command through the feed file, line by line."""

from katas._harness.training_feed import FEED_VARIABLE, FeedReader, batch_reporter


def test_without_the_variable_nothing_is_reported(monkeypatch):
    monkeypatch.delenv(FEED_VARIABLE, raising=False)
    assert batch_reporter() is None


def test_the_reader_gets_each_loss_once_and_only_complete_lines(tmp_path, monkeypatch):
    feed = tmp_path / "training.feed"
    monkeypatch.setenv(FEED_VARIABLE, str(feed))
    reader, report = FeedReader(feed), batch_reporter()
    assert reader.new_losses() == []
    report(2.5)
    report(1.25)
    assert reader.new_losses() == [2.5, 1.25]
    with feed.open("a") as half_written:
        half_written.write("0.5")
    assert reader.new_losses() == []
    with feed.open("a") as rest:
        rest.write("\n")
    assert reader.new_losses() == [0.5]
